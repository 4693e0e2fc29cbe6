namespace AutoLoRa.Cuda;

/// <summary>One parameter of a kernel as its .cu declaration spells it; <paramref name="Bytes"/> is the width cuLaunchKernel copies (8 for a device pointer).</summary>
public readonly record struct KernelParameter(string Name, string CType, int Bytes);

/// <summary>
/// What kernels/&lt;<paramref name="Family"/>&gt;.cu says about one kernel, read at build time
/// (kernels/README.md): its declaration, and the <c>// @traffic</c>, <c>// @launch</c> and
/// <c>// @test-only</c> lines above it.
/// </summary>
/// <param name="Name">The extern "C" name: the PTX entry and the host library's autolora_emu_ suffix.</param>
/// <param name="Family">The file name without .cu: one PTX module.</param>
/// <param name="File">Repository-relative source, e.g. "kernels/pgd_step.cu".</param>
/// <param name="Line">1-based line of the declaration.</param>
/// <param name="Parameters">In declaration order, which is the cuLaunchKernel argument order.</param>
/// <param name="Traffic">Bytes per element read and written; null for a test-only kernel that states none.</param>
/// <param name="Launch">The @launch shape as written, e.g. "stream(n)"; empty for a test-only kernel.</param>
/// <param name="TestOnlyReason">Why the backend never launches it, or null when it does.</param>
public sealed record KernelInfo(
    string Name,
    string Family,
    string File,
    int Line,
    IReadOnlyList<KernelParameter> Parameters,
    KernelTraffic.Figure? Traffic,
    string Launch,
    string? TestOnlyReason)
{
    /// <summary>True when <see cref="CudaBackend"/> launches it (it has a launcher and is loaded).</summary>
    public bool LaunchedByBackend => TestOnlyReason is null;
}
