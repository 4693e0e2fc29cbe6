using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify;

/// <summary>A case's timing: median seconds per call, and the bytes and FLOPs its cost counts.</summary>
public sealed record CaseTiming(double Seconds, long Bytes, long Flops)
{
    /// <summary>Achieved bandwidth from the case's bytes (0 when it counts none).</summary>
    public double GigabytesPerSecond => Bytes / Seconds / 1e9;
}

/// <summary>
/// Runs the verification table on one backend, llm.c's <c>dev/cuda</c> way: every case is first
/// checked against its reference, and only a case that passed is timed. The reference backend (the
/// CPU backend) is used for the cases that have no plain host reference.
/// </summary>
/// <param name="candidate">The backend under test.</param>
/// <param name="reference">The CPU backend, for cases whose reference it is (null when only plain-reference cases run).</param>
/// <param name="kernelBytes">
/// The bytes one launch of one of our kernels moves, from the kernel facts. The table names
/// kernels but does not know their per-element traffic; the caller that knows the kernels does.
/// </param>
public sealed class CaseRunner(Backend candidate, Backend? reference, Func<KernelLaunch, long>? kernelBytes = null)
{
    /// <summary>
    /// The precision whose bounds the candidate is held to; null (the default): the precision it
    /// computes in (<see cref="Backend.Precision"/>).
    /// </summary>
    public MatrixPrecision? Bounds { get; init; }

    /// <summary>Checks one case; an exception (a backend error, a bad label) is a failed check, not a crash.</summary>
    public CaseOutcome Check(VerificationCase c)
    {
        try
        {
            return c.Check(candidate, reference, Bounds ?? candidate.Precision);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new(false, $"{e.GetType().Name}: {e.Message}", double.PositiveInfinity);
        }
    }

    /// <summary>
    /// Median time of one synchronised run of a (checked) case on the candidate, with the bytes and
    /// FLOPs its cost counts.
    /// </summary>
    public CaseTiming Time(PrimitiveCase c, int repetitions, double warmupSeconds)
    {
        using var prepared = c.Prepare(candidate);
        double seconds = MedianTimer.Seconds(repetitions, () => { prepared.Call(); candidate.Synchronize(); }, warmupSeconds);
        return new(seconds, Bytes(c.Cost), c.Cost.Flops);
    }

    /// <summary>The bytes a cost moves: each kernel launch from the kernel facts, plus the library traffic.</summary>
    public long Bytes(CaseCost cost)
    {
        if (cost.Launches.Count > 0 && kernelBytes is null) throw new InvalidOperationException("Timing our kernels needs their byte counts: pass kernelBytes to the CaseRunner.");
        return cost.LibraryBytes + cost.Launches.Sum(l => kernelBytes!(l));
    }
}
