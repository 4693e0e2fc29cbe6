namespace AutoLoRa.Cpu.Simd;

/// <summary>
/// Where a register tile's left operand comes from in one step: row j's vector (a broadcast value or
/// a loaded run). Kernels differ only in this and in where the tile is written; the multiply-adds are
/// <see cref="RegisterTile{TV, TOps, THeight}.Add"/>'s.
/// </summary>
internal interface ITileRows<TV> where TV : struct
{
    TV Row(int j);
}

/// <summary>Row j is <c>a[j]</c> broadcast: a packed panel step (GEMM's A, a direct convolution's filters).</summary>
internal readonly unsafe struct BroadcastRun<TV, TOps>(float* a) : ITileRows<TV>
    where TV : struct where TOps : IVectorOps<TV>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Row(int j) => TOps.Broadcast(a[j]);
}

/// <summary>Row j is <c>a[j · stride]</c> broadcast: one column of a row-major block.</summary>
internal readonly unsafe struct BroadcastColumn<TV, TOps>(float* a, nint stride) : ITileRows<TV>
    where TV : struct where TOps : IVectorOps<TV>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Row(int j) => TOps.Broadcast(a[j * stride]);
}
