namespace AutoLoRa.Cpu.Simd;

/// <summary>How a finished accumulator reaches memory.</summary>
internal unsafe interface ITileWriter<TV> where TV : struct
{
    void Write(TV sum, float* destination);
}

/// <summary>destination = sum.</summary>
internal readonly unsafe struct Overwrite<TV, TOps> : ITileWriter<TV> where TV : struct where TOps : IVectorOps<TV>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(TV sum, float* destination) => TOps.Store(sum, destination);
}

/// <summary>destination += sum.</summary>
internal readonly unsafe struct Accumulate<TV, TOps> : ITileWriter<TV>
    where TV : struct where TOps : IVectorOps<TV>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(TV sum, float* destination) => TOps.Store(TOps.Add(sum, TOps.Load(destination)), destination);
}

/// <summary>destination = alpha · sum: GEMM's write-back when beta is 0 (C is not read).</summary>
internal readonly unsafe struct Scale<TV, TOps>(TV alpha) : ITileWriter<TV>
    where TV : struct where TOps : IVectorOps<TV>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(TV sum, float* destination) => TOps.Store(TOps.Multiply(sum, alpha), destination);
}

/// <summary>destination = beta · destination + alpha · sum: GEMM's general write-back.</summary>
internal readonly unsafe struct ScaleAndBlend<TV, TOps>(TV alpha, TV beta) : ITileWriter<TV>
    where TV : struct where TOps : IVectorOps<TV>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(TV sum, float* destination) =>
        TOps.Store(TOps.MultiplyAdd(TOps.Load(destination), beta, TOps.Multiply(sum, alpha)), destination);
}
