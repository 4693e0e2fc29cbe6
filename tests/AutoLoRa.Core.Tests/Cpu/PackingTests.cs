using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cpu.Gemm;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The GEMM's packed layouts value by value against their definition: a micro-panel is kc groups
/// of <c>width</c> values, lane i of group p being op(M)[i, p] (A) or op(M)[p, i] (B), zero past the
/// matrix. Every width the kernels use, every short count below it (the transposing path needs four
/// lines, the row-dealing path whole panels), and depths on both sides of the four-step transposes.
/// </summary>
[Trait("Backend", "cpu")]
public sealed unsafe class PackingTests
{
    private static readonly int[] Widths = [4, 6, 8, 16, 32];
    private static readonly int[] Depths = [1, 3, 4, 7, 13];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_panels_hold_op_a_by_columns(bool transA)
    {
        foreach (int width in Widths)
        {
            foreach (int kc in Depths)
            {
                for (int rows = 1; rows <= width; rows++)
                {
                    const int i0 = 2, p0 = 3;
                    int m = i0 + rows + 1, k = p0 + kc + 2;
                    int lda = (transA ? m : k) + 5;
                    var a = TestData.Uniform((transA ? k : m) * lda, width * 100 + kc);
                    var panel = Enumerable.Repeat(float.NaN, kc * width).ToArray();
                    fixed (float* pa = a, pd = panel) Packing.PackA(transA, pa, lda, i0, rows, p0, kc, width, pd);
                    for (int p = 0; p < kc; p++)
                    {
                        for (int i = 0; i < width; i++)
                        {
                            float expected = i < rows ? (transA ? a[(p0 + p) * lda + i0 + i] : a[(i0 + i) * lda + p0 + p]) : 0f;
                            Assert.True(expected == panel[p * width + i], $"width {width}, kc {kc}, rows {rows}: lane {i} of step {p}");
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void B_panels_hold_op_b_by_rows(bool transB)
    {
        foreach (int width in Widths)
        {
            foreach (int kc in Depths)
            {
                foreach (int cols in new[] { 1, width - 1, width, width + 3, 3 * width })
                {
                    if (cols < 1) continue;
                    const int j0 = 5, p0 = 2;
                    int n = j0 + cols + 1, k = p0 + kc + 1;
                    int ldb = (transB ? k : n) + 3;
                    var b = TestData.Uniform((transB ? n : k) * ldb, width * 100 + kc + cols);
                    int panels = (cols + width - 1) / width;
                    var packed = Enumerable.Repeat(float.NaN, panels * kc * width).ToArray();
                    fixed (float* pb = b, pd = packed) Packing.PackB(transB, pb, ldb, p0, kc, j0, cols, width, pd);
                    for (int panel = 0; panel < panels; panel++)
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            for (int i = 0; i < width; i++)
                            {
                                int j = panel * width + i;
                                float expected = j < cols ? (transB ? b[(j0 + j) * ldb + p0 + p] : b[(p0 + p) * ldb + j0 + j]) : 0f;
                                Assert.True(expected == packed[(panel * kc + p) * width + i], $"width {width}, kc {kc}, cols {cols}: panel {panel}, lane {i} of step {p}");
                            }
                        }
                    }
                }
            }
        }
    }
}
