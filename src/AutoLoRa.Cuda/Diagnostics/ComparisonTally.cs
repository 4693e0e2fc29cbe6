using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Kernels;

namespace AutoLoRa.Cuda.Diagnostics;

/// <summary>The largest scaled deviation over a check's outputs, relative to each output's tolerance.</summary>
internal sealed class ComparisonTally
{
    private double _worst = -1, _worstRatio = -1;
    private float _worstTolerance;
    private string _worstLabel = "";
    private string? _failure;
    private int _compared;

    public void Add(string label, float tolerance, Array candidate, Array reference)
    {
        _compared++;
        double worst = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double c = Convert.ToDouble(candidate.GetValue(i)), r = Convert.ToDouble(reference.GetValue(i));
            double error = double.IsNaN(c) != double.IsNaN(r) || double.IsInfinity(c) || double.IsInfinity(r)
                ? double.PositiveInfinity
                : double.IsNaN(c) ? 0 : Math.Abs(c - r) / (1 + Math.Abs(r));
            if (error > worst)
            {
                worst = error;
                if (error > tolerance) _failure ??= $"{label}: element {i} is {c:G7}, the CPU backend says {r:G7}";
            }
        }
        double ratio = tolerance > 0 ? worst / tolerance : worst > 0 ? double.PositiveInfinity : 0;
        if (ratio > _worstRatio)
        {
            (_worstRatio, _worst, _worstTolerance, _worstLabel) = (ratio, worst, tolerance, label);
        }
    }

    public SelftestOutcome Outcome()
    {
        string figure = $"max err {_worst:0.0E+0} in {_worstLabel} (tol {_worstTolerance:0E+0}; {_compared} outputs)";
        return _failure is null ? new(true, figure) : new(false, $"{_failure}; {figure}");
    }
}
