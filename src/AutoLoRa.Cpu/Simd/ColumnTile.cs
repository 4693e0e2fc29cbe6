namespace AutoLoRa.Cpu.Simd;

/// <summary>
/// <see cref="RegisterTile{TV, TOps, THeight}"/> one vector wide: 8 rows × 1 vector, for the last
/// block of a multiply whose width is one vector short of the full tile.
/// </summary>
internal unsafe struct ColumnTile<TV, TOps> where TV : struct where TOps : IVectorOps<TV>
{
    private TV _c0, _c1, _c2, _c3, _c4, _c5, _c6, _c7;

    /// <summary>c[j] += row(j) · b for the 8 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add<TRows>(TRows rows, TV b) where TRows : ITileRows<TV>
    {
        _c0 = TOps.MultiplyAdd(rows.Row(0), b, _c0);
        _c1 = TOps.MultiplyAdd(rows.Row(1), b, _c1);
        _c2 = TOps.MultiplyAdd(rows.Row(2), b, _c2);
        _c3 = TOps.MultiplyAdd(rows.Row(3), b, _c3);
        _c4 = TOps.MultiplyAdd(rows.Row(4), b, _c4);
        _c5 = TOps.MultiplyAdd(rows.Row(5), b, _c5);
        _c6 = TOps.MultiplyAdd(rows.Row(6), b, _c6);
        _c7 = TOps.MultiplyAdd(rows.Row(7), b, _c7);
    }

    /// <summary>Hands c[j] to <c>destination + j·ld</c> through <paramref name="writer"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Write<TWriter>(TWriter writer, float* destination, nint ld) where TWriter : ITileWriter<TV>
    {
        writer.Write(_c0, destination);
        writer.Write(_c1, destination + ld);
        writer.Write(_c2, destination + 2 * ld);
        writer.Write(_c3, destination + 3 * ld);
        writer.Write(_c4, destination + 4 * ld);
        writer.Write(_c5, destination + 5 * ld);
        writer.Write(_c6, destination + 6 * ld);
        writer.Write(_c7, destination + 7 * ld);
    }
}
