namespace AutoLoRa.Verify;

/// <summary>One output a case compares: its buffer slot, how close it must be, and what it is called in a report.</summary>
public sealed record CheckedOutput(int Slot, Tolerance Tolerance, string Label);

/// <summary>
/// The host side of a case's buffers, in slot order: inputs, and outputs pre-filled so that the
/// candidate and the reference start from identical memory. Outputs are filled with a finite
/// sentinel rather than NaN: an operation that reads or accumulates into its output shows up as a
/// wrong number instead of vanishing in a NaN-to-NaN match.
/// </summary>
public sealed class CaseBuffers
{
    private const float Sentinel = 3.25f;
    private const int IntSentinel = -7;

    private readonly List<Array> _data = [];
    private readonly List<CheckedOutput> _checked = [];

    /// <summary>The initial contents of every slot (float[] or int[]).</summary>
    public IReadOnlyList<Array> Data => _data;

    /// <summary>The slots compared after the run, in the order a host reference returns them.</summary>
    public IReadOnlyList<CheckedOutput> Checked => _checked;

    /// <summary>An input slot.</summary>
    public int In(float[] values) => Add(values);

    /// <summary>An input slot of Int32 values (labels, indices).</summary>
    public int In(int[] values) => Add(values);

    /// <summary>A slot with initial contents that is compared afterwards (an in-place update, or C of a GEMM with β ≠ 0).</summary>
    public int InOut(float[] values, Tolerance tolerance, string label)
    {
        int slot = Add(values);
        _checked.Add(new(slot, tolerance, label));
        return slot;
    }

    /// <summary>An Int32 slot compared exactly afterwards.</summary>
    public int InOut(int[] values, string label)
    {
        int slot = Add(values);
        _checked.Add(new(slot, Tolerance.Exact("integers"), label));
        return slot;
    }

    /// <summary>An output slot of <paramref name="length"/> floats, pre-filled with the sentinel.</summary>
    public int Out(int length, Tolerance tolerance, string label) => InOut(Enumerable.Repeat(Sentinel, length).ToArray(), tolerance, label);

    /// <summary>An Int32 output slot, pre-filled with the sentinel.</summary>
    public int IntOut(int length, string label) => InOut(Enumerable.Repeat(IntSentinel, length).ToArray(), label);

    private int Add(Array values)
    {
        _data.Add(values);
        return _data.Count - 1;
    }
}
