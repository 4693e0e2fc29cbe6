namespace AutoLoRa.Verify;

/// <summary>
/// One launch of one of our own kernels within a case: the kernel's name and the elements it
/// reads and writes. The bytes per element are the kernel's fact, not the case's; whoever times
/// the case looks them up (see <see cref="CaseRunner"/>).
/// </summary>
public readonly record struct KernelLaunch(string Kernel, long Read, long Written);

/// <summary>
/// What a case moves and computes, so a timing can be printed as GB/s or GFLOP/s: our kernels'
/// launches (their bytes come from the kernel facts), <see cref="LibraryBytes"/> for work done by
/// a vendor library (cuBLAS, cuDNN) whose traffic we count from the shapes, and
/// <see cref="Flops"/> (0 where the work is memory-bound and not worth counting).
/// </summary>
public sealed record CaseCost(IReadOnlyList<KernelLaunch> Launches, long LibraryBytes = 0, long Flops = 0)
{
    /// <summary>Nothing counted (a whole training step, a buffer check).</summary>
    public static CaseCost None { get; } = new([]);

    /// <summary>A single launch of one kernel.</summary>
    public static CaseCost Kernel(string kernel, long read, long written, long flops = 0) => new([new(kernel, read, written)], 0, flops);

    /// <summary>Work in a vendor library: float traffic counted from the shapes, and the FLOPs.</summary>
    public static CaseCost Library(long floatsMoved, long flops) => new([], floatsMoved * sizeof(float), flops);
}
