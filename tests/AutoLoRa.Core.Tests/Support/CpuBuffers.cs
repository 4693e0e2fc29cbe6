using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;

namespace AutoLoRa.Core.Tests.Support;

/// <summary>Host data in and out of CPU backend buffers, for tests that call primitives directly.</summary>
public static class CpuBuffers
{
    /// <summary>A new buffer holding <paramref name="data"/>.</summary>
    public static DeviceBuffer Up(Backend backend, float[] data)
    {
        var b = backend.Allocate(data.Length);
        backend.Upload(data, b);
        return b;
    }

    /// <summary>Runs a primitive into a fresh NaN-filled buffer (so a missed element shows) and downloads it.</summary>
    public static float[] Run(CpuBackend backend, int length, Action<CpuBackend, DeviceBuffer> primitive)
    {
        var buffer = backend.Allocate(length);
        backend.Fill(buffer, float.NaN);
        primitive(backend, buffer);
        var result = new float[length];
        backend.Download(buffer, result);
        buffer.Release();
        return result;
    }
}
