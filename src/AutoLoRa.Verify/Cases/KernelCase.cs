using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify.Cases;

/// <summary>The common shape of a case that is one launch of one of our kernels, checked against the CPU backend.</summary>
internal static class KernelCase
{
    /// <summary>A case named "<paramref name="kernel"/> <paramref name="label"/>" whose cost is one launch reading and writing the given element counts.</summary>
    public static PrimitiveCase Create(string family, string kernel, string label, string shape, CaseBuffers buffers, Action<Backend, DeviceBuffer[]> run, long read, long written) =>
        new()
        {
            Family = family, Name = $"{kernel} {label}", Shape = shape, Buffers = buffers, Run = run,
            Cost = CaseCost.Kernel(kernel, read, written),
        };
}
