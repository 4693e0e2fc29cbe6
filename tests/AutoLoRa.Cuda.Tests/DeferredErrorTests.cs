using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cuda.Tests;

/// <summary>Errors a kernel can only see on the device surface at the next synchronisation, then clear.</summary>
[Trait("Backend", "cuda-emu")]
public sealed class DeferredErrorTests : IDisposable
{
    private readonly CudaBackend _cuda = new(new EmulatedRuntime());
    private readonly List<DeviceBuffer> _kept = [];

    public void Dispose()
    {
        foreach (var buffer in _kept) buffer.Release();
        _cuda.Dispose();
    }

    [Fact]
    public void Bad_label_is_reported_at_the_next_synchronisation()
    {
        var loss = Keep(new float[1]);
        var p = Keep(new float[6]);
        _cuda.SoftmaxCrossEntropyForward(2, 3, Keep(new float[6]), Keep(new[] { 0, 3 }), loss, p);
        var e = Assert.Throws<BackendException>(() => _cuda.Synchronize());
        Assert.Contains("label", e.Message);
        _cuda.Synchronize(); // the flag was cleared
    }

    private DeviceBuffer Keep(float[] data)
    {
        var buffer = _cuda.Allocate(data.Length);
        _cuda.Upload(data, buffer);
        _kept.Add(buffer);
        return buffer;
    }

    private DeviceBuffer Keep(int[] data)
    {
        var buffer = _cuda.Allocate(data.Length, Core.DType.Int32);
        _cuda.Upload(data, buffer);
        _kept.Add(buffer);
        return buffer;
    }
}
