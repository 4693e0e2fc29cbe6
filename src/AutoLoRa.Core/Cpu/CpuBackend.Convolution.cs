using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Cpu;

public sealed partial class CpuBackend
{
    public void Conv2dForward(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer y) => throw new NotImplementedException();

    public void Conv2dBackwardData(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) => throw new NotImplementedException();

    public void Conv2dBackwardFilter(in ConvGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) => throw new NotImplementedException();
}
