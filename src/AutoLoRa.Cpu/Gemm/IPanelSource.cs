namespace AutoLoRa.Cpu.Gemm;

/// <summary>
/// The B operand of <see cref="Sgemm"/>, delivered already in micro-panel layout. A stored matrix
/// is one source (<see cref="MatrixPanels"/>); a convolution's column matrix is another, packed
/// straight from the images so the lowered matrix never exists in memory.
/// </summary>
internal unsafe interface IPanelSource
{
    /// <summary>
    /// Writes op(B)[p0 .. p0+kc, j0 .. j0+cols) as ceil(cols/nr) consecutive micro-panels of kc
    /// rows × nr floats each, zero beyond column cols (the layout of <see cref="Packing.PackB"/>).
    /// </summary>
    void Pack(int p0, int kc, int j0, int cols, int nr, float* dst);
}

/// <summary>A row-major matrix, optionally transposed, as a panel source.</summary>
internal readonly unsafe struct MatrixPanels(bool trans, float* b, int ldb) : IPanelSource
{
    public void Pack(int p0, int kc, int j0, int cols, int nr, float* dst) => Packing.PackB(trans, b, ldb, p0, kc, j0, cols, nr, dst);
}
