namespace AutoLoRa.Cpu.Simd;

/// <summary>
/// The accumulators of a register-blocked multiply: up to 8 rows × 2 vectors, each step a rank-1
/// update c[j, u] += row(j) · b_u. Every CPU kernel of this project that multiplies (the GEMM
/// micro-kernels, direct convolution forward and filter gradient, Winograd's multiply stages) is this
/// tile with its own rows and its own write-back.
/// </summary>
/// <remarks>
/// For the fields to live in registers the tile must be a local that is never passed by address to a
/// call that is not inlined: create it with <c>default</c> (a field-less constructor call is enough
/// to keep it in memory) and use only these inlined members. The JIT then promotes each field to a
/// register, as the disassembly of every kernel shows (<c>DOTNET_JitDisasm</c>; no stack operand in
/// the loop). Rows at and beyond <typeparamref name="THeight"/> are dead code.
/// </remarks>
internal unsafe struct RegisterTile<TV, TOps, THeight>
    where TV : struct
    where TOps : IVectorOps<TV>
    where THeight : ITileHeight
{
    private TV _c00, _c01, _c10, _c11, _c20, _c21, _c30, _c31;
    private TV _c40, _c41, _c50, _c51, _c60, _c61, _c70, _c71;

    /// <summary>Floats per row: two vectors.</summary>
    public static int Columns => 2 * Unsafe.SizeOf<TV>() / sizeof(float);

    /// <summary>c[j, 0] += row(j) · b0 and c[j, 1] += row(j) · b1 for every live row j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add<TRows>(TRows rows, TV b0, TV b1) where TRows : ITileRows<TV>
    {
        var a = rows.Row(0); _c00 = TOps.MultiplyAdd(a, b0, _c00); _c01 = TOps.MultiplyAdd(a, b1, _c01);
        a = rows.Row(1); _c10 = TOps.MultiplyAdd(a, b0, _c10); _c11 = TOps.MultiplyAdd(a, b1, _c11);
        a = rows.Row(2); _c20 = TOps.MultiplyAdd(a, b0, _c20); _c21 = TOps.MultiplyAdd(a, b1, _c21);
        a = rows.Row(3); _c30 = TOps.MultiplyAdd(a, b0, _c30); _c31 = TOps.MultiplyAdd(a, b1, _c31);
        if (THeight.Rows <= 4) return;
        a = rows.Row(4); _c40 = TOps.MultiplyAdd(a, b0, _c40); _c41 = TOps.MultiplyAdd(a, b1, _c41);
        a = rows.Row(5); _c50 = TOps.MultiplyAdd(a, b0, _c50); _c51 = TOps.MultiplyAdd(a, b1, _c51);
        if (THeight.Rows <= 6) return;
        a = rows.Row(6); _c60 = TOps.MultiplyAdd(a, b0, _c60); _c61 = TOps.MultiplyAdd(a, b1, _c61);
        a = rows.Row(7); _c70 = TOps.MultiplyAdd(a, b0, _c70); _c71 = TOps.MultiplyAdd(a, b1, _c71);
    }

    /// <summary>
    /// Hands c[j, 0] to <c>left + j·ld</c> and c[j, 1] to <c>right + j·ld</c> through
    /// <paramref name="writer"/> (which stores, adds or scales).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Write<TWriter>(TWriter writer, float* left, float* right, nint ld) where TWriter : ITileWriter<TV>
    {
        writer.Write(_c00, left); writer.Write(_c01, right);
        writer.Write(_c10, left + ld); writer.Write(_c11, right + ld);
        writer.Write(_c20, left + 2 * ld); writer.Write(_c21, right + 2 * ld);
        writer.Write(_c30, left + 3 * ld); writer.Write(_c31, right + 3 * ld);
        if (THeight.Rows <= 4) return;
        writer.Write(_c40, left + 4 * ld); writer.Write(_c41, right + 4 * ld);
        writer.Write(_c50, left + 5 * ld); writer.Write(_c51, right + 5 * ld);
        if (THeight.Rows <= 6) return;
        writer.Write(_c60, left + 6 * ld); writer.Write(_c61, right + 6 * ld);
        writer.Write(_c70, left + 7 * ld); writer.Write(_c71, right + 7 * ld);
    }

    /// <summary>sums[2j + u] += the sum of c[j, u]'s lanes, for every live row j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void AddLaneSumsTo(float* sums)
    {
        sums[0] += TOps.Sum(_c00); sums[1] += TOps.Sum(_c01);
        sums[2] += TOps.Sum(_c10); sums[3] += TOps.Sum(_c11);
        sums[4] += TOps.Sum(_c20); sums[5] += TOps.Sum(_c21);
        sums[6] += TOps.Sum(_c30); sums[7] += TOps.Sum(_c31);
        if (THeight.Rows <= 4) return;
        sums[8] += TOps.Sum(_c40); sums[9] += TOps.Sum(_c41);
        sums[10] += TOps.Sum(_c50); sums[11] += TOps.Sum(_c51);
        if (THeight.Rows <= 6) return;
        sums[12] += TOps.Sum(_c60); sums[13] += TOps.Sum(_c61);
        sums[14] += TOps.Sum(_c70); sums[15] += TOps.Sum(_c71);
    }
}
