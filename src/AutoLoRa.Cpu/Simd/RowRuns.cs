namespace AutoLoRa.Cpu.Simd;

/// <summary>
/// Row j is the vector loaded at <c>row_j + offset</c>, where row_j is row min(j, live − 1) of a
/// block <c>ld</c> floats apart: rows beyond a short block repeat a real row (so every load is in
/// bounds) and the caller discards what they produce. A filter gradient's output-gradient rows.
/// </summary>
internal readonly unsafe struct RowRuns<TV, TOps> : ITileRows<TV> where TV : struct where TOps : IVectorOps<TV>
{
    private readonly float* _r0, _r1, _r2, _r3, _r4, _r5, _r6, _r7;
    private readonly nint _offset;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowRuns(float* first, nint ld, int live)
    {
        _r0 = first;
        _r1 = Clamped(first, 1, ld, live); _r2 = Clamped(first, 2, ld, live); _r3 = Clamped(first, 3, ld, live);
        _r4 = Clamped(first, 4, ld, live); _r5 = Clamped(first, 5, ld, live); _r6 = Clamped(first, 6, ld, live);
        _r7 = Clamped(first, 7, ld, live);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RowRuns(in RowRuns<TV, TOps> rows, nint offset)
    {
        this = rows;
        _offset = offset;
    }

    /// <summary>The same rows, read <paramref name="offset"/> floats further along.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowRuns<TV, TOps> At(nint offset) => new(this, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Row(int j) => TOps.Load(j switch
    {
        0 => _r0, 1 => _r1, 2 => _r2, 3 => _r3, 4 => _r4, 5 => _r5, 6 => _r6, _ => _r7,
    } + _offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Clamped(float* first, int j, nint ld, int live) => first + Math.Min(j, live - 1) * ld;
}
