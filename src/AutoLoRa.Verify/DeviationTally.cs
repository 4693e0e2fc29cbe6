using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify;

/// <summary>
/// Compares a case's outputs with the reference's and keeps the worst element relative to its
/// tolerance, and the first element past it. The figure reported is |c − r| / (1 + |r|) at that
/// element, next to the tolerance it was held to.
/// </summary>
internal sealed class DeviationTally(string referenceName, MatrixPrecision precision = MatrixPrecision.Fp32)
{
    private double _worstRatio = -1, _worstDeviation;
    private CheckedOutput? _worstOutput;
    private Tolerance? _worstTolerance;
    private string? _failure;
    private int _compared;

    public void Add(CheckedOutput output, Array candidate, Array reference)
    {
        _compared++;
        if (candidate.Length != reference.Length)
        {
            _failure ??= $"{output.Label}: {candidate.Length} values, the {referenceName} has {reference.Length}";
            return;
        }
        for (int i = 0; i < reference.Length; i++)
        {
            double c = Convert.ToDouble(candidate.GetValue(i)), r = Convert.ToDouble(reference.GetValue(i));
            var tolerance = output.Tolerance.For(precision);
            double ratio = tolerance.Ratio(c, r);
            if (ratio > 1) _failure ??= $"{output.Label}: element {i} is {c:G7}, the {referenceName} says {r:G7}";
            if (ratio > _worstRatio)
            {
                _worstRatio = ratio;
                _worstDeviation = double.IsFinite(ratio) ? Math.Abs(c - r) / (1 + Math.Abs(r)) : double.PositiveInfinity;
                _worstOutput = output;
                _worstTolerance = tolerance;
            }
        }
    }

    public CaseOutcome Outcome()
    {
        string figure = $"max err {_worstDeviation:0.0E+0} in {_worstOutput?.Label} (tol {_worstTolerance}; {_compared} outputs)";
        return new(_failure is null, _failure is null ? figure : $"{_failure}; {figure}", Math.Max(0, _worstRatio));
    }
}
