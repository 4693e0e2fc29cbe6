using AutoLoRa.Core.Backends;

namespace AutoLoRa.Bench;

/// <summary>Device buffers of seeded random values in [−1, 1) for the suites.</summary>
internal static class BenchBuffers
{
    public static DeviceBuffer Random(Backend backend, int length, int seed)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        var buffer = backend.Allocate(length);
        backend.Upload(data, buffer);
        return buffer;
    }
}
