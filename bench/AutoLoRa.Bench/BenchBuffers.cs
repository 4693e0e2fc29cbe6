using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Bench;

/// <summary>Device buffers of seeded random values in [−1, 1) for the suites.</summary>
internal static class BenchBuffers
{
    public static DeviceBuffer Random(Backend backend, int length, int seed)
    {
        var buffer = backend.Allocate(length);
        backend.Upload(SeededUniform.Values(length, seed), buffer);
        return buffer;
    }
}
