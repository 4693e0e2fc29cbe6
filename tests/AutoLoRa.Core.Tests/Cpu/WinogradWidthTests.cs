using System.Runtime.Intrinsics;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cpu;
using AutoLoRa.Cpu.Convolution;
using AutoLoRa.Cpu.Simd;
using AutoLoRa.Verify.References;
using Winograd16 = AutoLoRa.Cpu.Convolution.WinogradConvolution<System.Runtime.Intrinsics.Vector512<float>, AutoLoRa.Cpu.Simd.Vector512Ops, AutoLoRa.Cpu.Simd.EightRows, AutoLoRa.Cpu.Convolution.Transpose16>;
using Winograd8 = AutoLoRa.Cpu.Convolution.WinogradConvolution<System.Runtime.Intrinsics.Vector256<float>, AutoLoRa.Cpu.Simd.Vector256Ops, AutoLoRa.Cpu.Simd.SixRows, AutoLoRa.Cpu.Convolution.Transpose8>;
using Gradient16 = AutoLoRa.Cpu.Convolution.WinogradFilterGradient<System.Runtime.Intrinsics.Vector512<float>, AutoLoRa.Cpu.Simd.Vector512Ops, AutoLoRa.Cpu.Simd.EightRows, AutoLoRa.Cpu.Convolution.Transpose16>;
using Gradient8 = AutoLoRa.Cpu.Convolution.WinogradFilterGradient<System.Runtime.Intrinsics.Vector256<float>, AutoLoRa.Cpu.Simd.Vector256Ops, AutoLoRa.Cpu.Simd.SixRows, AutoLoRa.Cpu.Convolution.Transpose8>;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The Winograd forward (and the data gradient through the flipped, transposed filter), and the filter gradient, at each vector
/// width this CPU runs, whichever the backend would pick: 8 lanes (AVX2) wherever AVX2 and FMA exist,
/// AVX-512 machines included, and 16 lanes where AVX-512 exists. Elsewhere the 16-lane stages still run
/// (<c>16-emulated</c>): .NET computes Vector512 in software where the hardware lacks it, and a scalar
/// transpose stands in for <see cref="Transpose16"/>'s AVX-512 shuffles, so the 16-lane layout (groups of four
/// tiles, 8 × 32 multiply tiles, the tall last column) is checked on every x86 machine. Against the reference,
/// with the output stage (residual add and ReLU forward, addend and ReLU mask in the data gradient), under every schedule.
/// </summary>
[Trait("Backend", "cpu")]
public sealed unsafe class WinogradWidthTests
{
    // n, c, h, w, k, pad, one row per shape, crossed with the widths and schedules this CPU runs.
    private static readonly int[][] Shapes =
    [
        [2, 16, 8, 8, 16, 1], // four tiles per image
        [3, 24, 16, 12, 40, 1], // 8-lane channel counts off 16: a last single vector of output channels (and of 16 off 32)
        [1, 8, 4, 4, 8, 1], // one tile, one vector of channels: the multiply's rows mostly cleared padding
        [2, 16, 10, 6, 16, 0], // no padding
        [13, 16, 16, 16, 16, 1], // blocks run by each core alone, the last one short
        [3, 16, 7, 7, 32, 1], // 7×7: the last tile row and column reach past the output
        [2, 16, 14, 32, 48, 1], // 14×32: output groups (8 and 16 wide) with a last two-row tile row
        [1, 16, 19, 34, 16, 0], // 17×32 unpadded: groups with a last one-row tile row, 34-wide input rows (a transpose tail)
        [1, 32, 11, 24, 16, 1], // 24-wide rows: 8-lane groups, single 16-lane tiles
        [1, 32, 20, 20, 32, 1], // 25 tiles: the multiply's last tile alone in a four-row register tile (after 4 × 6 and 3 × 8)
        [1, 16, 18, 22, 16, 0], // 20 tiles: a last four (after 16; 3 × 6 and 2 tiles in the four-row one at 8 lanes)
        [3, 32, 4, 4, 48, 1], // 4×4 planes (layer4 of r18w16-b64): 8-lane transposes of two rows, each channel's tile stored whole
        [2, 16, 6, 4, 16, 1], // 6×4: 4-wide output with a last two-row tile row (stored row by row)
    ];

    private const string Avx512 = "16", Avx2 = "8", Emulated512 = "16-emulated";

    /// <summary>Widths × shapes × schedules.</summary>
    public static TheoryData<string, int, ConvAlgorithm> Cases()
    {
        var data = new TheoryData<string, int, ConvAlgorithm>();
        ConvAlgorithm[] schedules = [ConvAlgorithm.WinogradShared, ConvAlgorithm.WinogradPerCore, ConvAlgorithm.WinogradSmallBlocks, ConvAlgorithm.WinogradLargeBlocks];
        foreach (var (width, supported) in new[] { (Avx512, Vector512Ops.IsSupported), (Avx2, Vector256Ops.IsSupported), (Emulated512, !Vector512Ops.IsSupported) })
        {
            if (!supported) continue;
            int lanes = width == Avx2 ? 8 : 16;
            for (int shape = 0; shape < Shapes.Length; shape++)
            {
                if (Shapes[shape][1] % lanes != 0 || Shapes[shape][4] % lanes != 0) continue;
                foreach (var schedule in schedules) data.Add(width, shape, schedule);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_data_gradient_match_the_reference(string width, int shape, ConvAlgorithm schedule)
    {
        int[] s = Shapes[shape];
        var g = new ConvGeometry(s[0], s[1], s[2], s[3], s[4], 3, 3, 1, 1, s[5], s[5]);
        float[] x = TestData.Uniform(g.InputSize, 41), w = TestData.Uniform(g.FilterSize, 42), dy = TestData.Uniform(g.OutputSize, 43);
        float[] bias = TestData.Uniform(g.K, 44), residual = TestData.Uniform(g.OutputSize, 45), gradient = TestData.Uniform(g.InputSize, 46);
        float[] mask = TestData.Uniform(g.InputSize, 47);
        float atol = 2e-5f * MathF.Sqrt(9 * Math.Max(g.C, g.K));

        // Forward with bias, then residual add and ReLU.
        float[] expected = ConvReference.Forward(g, x, w, bias);
        for (int i = 0; i < expected.Length; i++) expected[i] = MathF.Max(expected[i] + residual[i], 0f);
        float[] y = Run(width, g, x, w, flippedTranspose: false, bias, residual, null, relu: true, g.OutputSize, schedule);
        TestData.AssertClose(expected, y, 1e-4f, atol, $"{width}-lane {schedule.Name()} forward {g}");

        // Data gradient: the forward of dy with the flipped, transposed filter, plus an addend, under a ReLU mask.
        var transposed = new ConvGeometry(g.N, g.K, g.OutH, g.OutW, g.C, 3, 3, 1, 1, 2 - g.PadH, 2 - g.PadW);
        expected = ConvReference.BackwardData(g, dy, w);
        for (int i = 0; i < expected.Length; i++) expected[i] = mask[i] > 0 ? expected[i] + gradient[i] : 0f;
        float[] dx = Run(width, transposed, dy, w, flippedTranspose: true, null, gradient, mask, relu: false, g.InputSize, schedule);
        TestData.AssertClose(expected, dx, 1e-4f, atol, $"{width}-lane {schedule.Name()} data gradient {g}");
    }

    /// <summary>
    /// Widths × the shapes of each way the output stage stores (<see cref="EpilogueShapes"/>) × a shared and a
    /// per-core schedule × every combination of bias, addend, ReLU and mask (bits 0–3 of <c>parts</c>): the
    /// output stage compiles one instantiation per combination of the epilogue's parts.
    /// </summary>
    public static TheoryData<string, int, ConvAlgorithm, int> EpilogueCases()
    {
        var data = new TheoryData<string, int, ConvAlgorithm, int>();
        foreach (var (width, supported) in new[] { (Avx512, Vector512Ops.IsSupported), (Avx2, Vector256Ops.IsSupported), (Emulated512, !Vector512Ops.IsSupported) })
        {
            if (!supported) continue;
            foreach (int shape in EpilogueShapes)
            {
                foreach (var schedule in new[] { ConvAlgorithm.WinogradShared, ConvAlgorithm.WinogradPerCore })
                {
                    for (int parts = 0; parts < 16; parts++) data.Add(width, shape, schedule, parts);
                }
            }
        }
        return data;
    }

    /// <summary>
    /// 7×7 (tiles cut by the output's edge, stored in part), 14×32 (16-pixel groups: at 8 lanes each channel's line
    /// from two transposes), 24-wide (8-pixel groups at 8 lanes, single tiles at 16), 6×4 (4-wide rows).
    /// </summary>
    private static readonly int[] EpilogueShapes = [5, 6, 8, 12];

    [Theory]
    [MemberData(nameof(EpilogueCases))]
    public void Every_epilogue_matches_the_reference(string width, int shape, ConvAlgorithm schedule, int parts)
    {
        bool withBias = (parts & 1) != 0, withAddend = (parts & 2) != 0, relu = (parts & 4) != 0, withMask = (parts & 8) != 0;
        int[] s = Shapes[shape];
        var g = new ConvGeometry(s[0], s[1], s[2], s[3], s[4], 3, 3, 1, 1, s[5], s[5]);
        float[] x = TestData.Uniform(g.InputSize, 61), w = TestData.Uniform(g.FilterSize, 62);
        float[] bias = TestData.Uniform(g.K, 64), addend = TestData.Uniform(g.OutputSize, 65), mask = TestData.Uniform(g.OutputSize, 67);
        float[] expected = ConvReference.Forward(g, x, w, withBias ? bias : null);
        for (int i = 0; i < expected.Length; i++)
        {
            float v = expected[i] + (withAddend ? addend[i] : 0f);
            if (relu) v = MathF.Max(v, 0f);
            expected[i] = withMask && !(mask[i] > 0f) ? 0f : v;
        }
        float[] y = Run(width, g, x, w, flippedTranspose: false, withBias ? bias : null, withAddend ? addend : null, withMask ? mask : null, relu, g.OutputSize, schedule);
        float atol = 2e-5f * MathF.Sqrt(9 * Math.Max(g.C, g.K));
        TestData.AssertClose(expected, y, 1e-4f, atol, $"{width}-lane {schedule.Name()} epilogue parts {parts} {g}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Filter_gradient_matches_the_reference(string width, int shape, ConvAlgorithm schedule)
    {
        int[] s = Shapes[shape];
        var g = new ConvGeometry(s[0], s[1], s[2], s[3], s[4], 3, 3, 1, 1, s[5], s[5]);
        float[] x = TestData.Uniform(g.InputSize, 51), dy = TestData.Uniform(g.OutputSize, 53);
        float[] dw = Enumerable.Repeat(float.NaN, g.FilterSize).ToArray();
        var scratch = new ConvScratch();
        fixed (float* px = x, pdy = dy, pdw = dw)
        {
            switch (width)
            {
                case Avx512: Gradient16.Compute(g, px, pdy, pdw, scratch, schedule); break;
                case Avx2: Gradient8.Compute(g, px, pdy, pdw, scratch, schedule); break;
                default: WinogradFilterGradient<Vector512<float>, Vector512Ops, EightRows, PortableTranspose16>.Compute(g, px, pdy, pdw, scratch, schedule); break;
            }
        }
        // Each tap sums N·OutH·OutW products, accumulated in the transformed domain.
        float atol = 2e-5f * MathF.Sqrt(g.N * g.OutH * g.OutW);
        TestData.AssertClose(ConvReference.BackwardFilter(g, x, dy), dw, 1e-4f, atol, $"{width}-lane {schedule.Name()} filter gradient {g}");
    }

    private static float[] Run(string width, in ConvGeometry g, float[] x, float[] w, bool flippedTranspose, float[]? bias,
        float[]? addend, float[]? mask, bool relu, int outputSize, ConvAlgorithm schedule)
    {
        float[] y = Enumerable.Repeat(float.NaN, outputSize).ToArray();
        var scratch = new ConvScratch();
        fixed (float* px = x, pw = w, pb = bias, pa = addend, pm = mask, py = y)
        {
            var epilogue = new ConvEpilogue(pa, pm, relu);
            switch (width)
            {
                case Avx512: Winograd16.Forward(g, px, pw, flippedTranspose, pb, epilogue, py, scratch, schedule); break;
                case Avx2: Winograd8.Forward(g, px, pw, flippedTranspose, pb, epilogue, py, scratch, schedule); break;
                default:
                    WinogradConvolution<Vector512<float>, Vector512Ops, EightRows, PortableTranspose16>.Forward(g, px, pw, flippedTranspose, pb, epilogue, py, scratch, schedule);
                    break;
            }
        }
        return y;
    }

    /// <summary>A scalar 16×16 transpose: <see cref="Transpose16"/>'s function without AVX-512, for the emulated 16-lane runs.</summary>
    private struct PortableTranspose16 : IChannelTranspose<Vector512<float>>
    {
        public static void Copy<TSink>(float* source, long sourceStride, TSink sink) where TSink : struct, IRowSink<Vector512<float>>
        {
            var block = stackalloc float[16 * 16];
            for (int i = 0; i < 16; i++)
            {
                for (int j = 0; j < 16; j++) block[j * 16 + i] = source[i * sourceStride + j];
            }
            for (int j = 0; j < 16; j++) sink.Row(j, Vector512.Load(block + j * 16));
        }
    }
}
