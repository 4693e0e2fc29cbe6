using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// An in-register transpose of a square block of floats, as many rows as a <typeparamref name="TV"/>
/// has lanes: how the Winograd stages turn planar (NCHW) data into channel vectors and back without a
/// scalar gather. <see cref="Transpose16"/> for AVX-512's 16 lanes, <see cref="Transpose8"/> for AVX2's 8.
/// </summary>
internal unsafe interface IChannelTranspose<TV> where TV : struct
{
    /// <summary>
    /// The transposed rows of the block whose rows start <paramref name="sourceStride"/> floats apart
    /// at <paramref name="source"/>, handed to <paramref name="sink"/> as they are made (every row is
    /// loaded before the first is handed on, so the sink may overwrite the block).
    /// </summary>
    static abstract void Copy<TSink>(float* source, long sourceStride, TSink sink) where TSink : struct, IRowSink<TV>;
}

/// <summary>Where <see cref="IChannelTranspose{TV}.Copy"/> puts the rows of the transposed block.</summary>
internal interface IRowSink<TV> where TV : struct
{
    /// <summary>Takes row <paramref name="index"/> of the transposed block.</summary>
    void Row(int index, TV values);
}

/// <summary>Stores row i of a transposed block <c>i · stride</c> floats after <c>destination</c>.</summary>
internal readonly unsafe struct StridedRows<TV, TOps>(float* destination, long stride) : IRowSink<TV>
    where TV : struct where TOps : IVectorOps<TV>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Row(int index, TV values) => TOps.Store(values, destination + index * stride);
}
