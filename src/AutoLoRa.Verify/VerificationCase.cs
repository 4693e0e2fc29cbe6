using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify;

/// <summary>The verdict on one case: whether it passed and the measured figure that decided it.</summary>
public sealed record CaseOutcome(bool Passed, string Detail, double WorstRatio);

/// <summary>
/// One row of the verification table: seeded inputs, a reference to compare with, tolerances with
/// their reasons, and what the case moves and computes. <see cref="CaseRunner"/> checks a case
/// first and only then (optionally) times it.
/// </summary>
public abstract class VerificationCase
{
    /// <summary>The family the case belongs to (one self-test line per family), e.g. "elementwise".</summary>
    public required string Family { get; init; }

    /// <summary>Unique within the table, and stable: a test row is named by it.</summary>
    public required string Name { get; init; }

    /// <summary>The shape as a bench table prints it ("4095", "2×64×32×32").</summary>
    public string Shape { get; init; } = "";

    /// <summary>What the case moves and computes.</summary>
    public CaseCost Cost { get; init; } = CaseCost.None;

    /// <summary>
    /// True when the reference is the CPU backend: such a case says nothing about the CPU backend
    /// itself, so the CPU's own rows leave it out. False when the reference is plain double-precision
    /// arithmetic written in the case.
    /// </summary>
    public abstract bool NeedsReferenceBackend { get; }

    /// <summary>
    /// Runs the case on <paramref name="candidate"/> and compares with the reference: the case's
    /// plain one, or the CPU backend <paramref name="reference"/> when
    /// <see cref="NeedsReferenceBackend"/> (null is then an error). The candidate is held to the
    /// bounds of the precision it computes its matrix products in.
    /// </summary>
    public CaseOutcome Check(Backend candidate, Backend? reference) => Check(candidate, reference, candidate.Precision);

    /// <summary>
    /// As <see cref="Check(Backend, Backend?)"/>, holding the candidate to the bounds of
    /// <paramref name="bounds"/> whatever it computes in: a TF32 candidate held to the FP32 bounds
    /// shows that its TF32 is really in effect and that the widened bounds are needed.
    /// </summary>
    public abstract CaseOutcome Check(Backend candidate, Backend? reference, MatrixPrecision bounds);

    /// <summary>
    /// False when no bound can be derived for a candidate computing in TF32, so the case is to be
    /// checked on the candidate's FP32 twin: a case whose result is a discontinuous function of the
    /// arithmetic (an attack's sign()), which TF32's input rounding moves across its jumps.
    /// </summary>
    public virtual bool HasTf32Bound => true;

    /// <summary>The reference backend a case that needs one was given, or an error that says so.</summary>
    protected Backend Require(Backend? reference) =>
        reference ?? throw new InvalidOperationException($"Case '{Name}' is checked against the CPU backend, and none was given.");

    /// <inheritdoc/>
    public override string ToString() => Name;
}
