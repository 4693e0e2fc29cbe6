using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Kernels;

namespace AutoLoRa.Cuda.Diagnostics;

/// <summary>The buffers of one case: inputs, and outputs pre-filled with the same sentinel on both backends.</summary>
internal sealed class ComparisonCase
{
    public List<Array> Data { get; } = [];

    public List<(int Index, float Tolerance, string Label)> Checked { get; } = [];

    public int In(float[] values) => Add(values);

    public int In(int[] values) => Add(values);

    /// <summary>An output (or the target of an in-place update) compared afterwards.</summary>
    public int InOut(float[] values, float tolerance, string label)
    {
        int index = Add(values);
        Checked.Add((index, tolerance, label));
        return index;
    }

    public int InOut(int[] values, string label)
    {
        int index = Add(values);
        Checked.Add((index, 0f, label));
        return index;
    }

    // A finite sentinel (not NaN): an op that reads or accumulates into its output shows up as a mismatch.
    public int Out(int length, float tolerance, string label) => InOut(Enumerable.Repeat(3.25f, length).ToArray(), tolerance, label);

    public int IntOut(int length, string label) => InOut(Enumerable.Repeat(-7, length).ToArray(), label);

    private int Add(Array values)
    {
        Data.Add(values);
        return Data.Count - 1;
    }
}
