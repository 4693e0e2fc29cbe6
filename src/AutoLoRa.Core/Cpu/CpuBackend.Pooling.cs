using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Cpu;

public sealed partial class CpuBackend
{
    public void MaxPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax) => throw new NotImplementedException();

    public void MaxPool2dBackward(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx) => throw new NotImplementedException();

    public void AvgPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y) => throw new NotImplementedException();

    public void AvgPool2dBackward(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer dx) => throw new NotImplementedException();

    public void GlobalAvgPoolForward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y) => throw new NotImplementedException();

    public void GlobalAvgPoolBackward(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx) => throw new NotImplementedException();
}
