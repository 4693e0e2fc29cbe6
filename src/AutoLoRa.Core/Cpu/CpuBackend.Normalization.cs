using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Cpu;

public sealed partial class CpuBackend
{
    public void BatchNormForwardTraining(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer y, DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float eps,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd) => throw new NotImplementedException();

    public void BatchNormForwardInference(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer runningMean, DeviceBuffer runningVar, float eps, DeviceBuffer y) => throw new NotImplementedException();

    public void BatchNormBackward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer gamma,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta) => throw new NotImplementedException();
}
