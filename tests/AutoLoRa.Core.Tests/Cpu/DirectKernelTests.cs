using System.Runtime.Intrinsics;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cpu.Convolution;
using AutoLoRa.Cpu.Simd;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The direct convolutions' kernels and copies, each width and tile height called explicitly (the
/// backend runs only the one its CPU selects). Every instantiation runs on every machine: .NET
/// computes Vector512 (and Vector256) in software where the hardware lacks it, so the 512-bit
/// register tiles' indexing, tiling and edges are checked on a CPU without AVX-512 too (not their
/// speed or the instructions the JIT picks for them, which only an AVX-512 machine exercises).
/// </summary>
[Trait("Backend", "cpu")]
public sealed unsafe class DirectKernelTests
{
    public static TheoryData<string> ForwardTiles() => new() { "256x6", "256x8", "512x8" };

    // The forward tile against its sum: rows × 2 runs, out[j, run u] = Σ_p a[p·rows + j] · x_u[offsets[p] + lane].
    [Theory]
    [MemberData(nameof(ForwardTiles))]
    public void Direct_forward_tile_matches_its_sum(string tile)
    {
        int rows = tile.EndsWith("x6") ? 6 : 8, pixels = tile.StartsWith("512") ? 16 : 8, steps = 29;
        float[] a = TestData.Uniform(steps * rows, 71);
        float[] image = TestData.Uniform(4096, 72);
        int[] offsets = new int[steps];
        var rng = new Random(73);
        for (int p = 0; p < steps; p++) offsets[p] = rng.Next(0, 2000);
        int ldc = 3 * pixels;
        float[] output = new float[rows * ldc];
        fixed (float* pa = a, px = image, po = output)
        fixed (int* pOffsets = offsets)
        {
            float* x0 = px + 5, x1 = px + 1500;
            float* out0 = po, out1 = po + pixels + 3;
            switch (tile)
            {
                case "256x6": DirectConvKernel<Vector256<float>, Vector256Ops>.Forward<SixRows>(steps, pa, pOffsets, x0, x1, out0, out1, ldc); break;
                case "256x8": DirectConvKernel<Vector256<float>, Vector256Ops>.Forward<EightRows>(steps, pa, pOffsets, x0, x1, out0, out1, ldc); break;
                default: DirectConvKernel<Vector512<float>, Vector512Ops>.Forward<EightRows>(steps, pa, pOffsets, x0, x1, out0, out1, ldc); break;
            }
        }
        for (int j = 0; j < rows; j++)
        {
            for (int u = 0; u < 2; u++)
            {
                for (int lane = 0; lane < pixels; lane++)
                {
                    double sum = 0;
                    for (int p = 0; p < steps; p++) sum += (double)a[p * rows + j] * image[(u == 0 ? 5 : 1500) + offsets[p] + lane];
                    Assert.Equal(sum, output[j * ldc + u * (pixels + 3) + lane], 1e-4);
                }
            }
        }
    }

    // The row-pair tile: each vector two rows of half its width, rowStep floats apart in the image.
    [Theory]
    [MemberData(nameof(ForwardTiles))]
    public void Row_pair_tile_matches_its_sum(string tile)
    {
        int rows = tile.EndsWith("x6") ? 6 : 8, pixels = tile.StartsWith("512") ? 16 : 8, half = pixels / 2, steps = 23, rowStep = 37;
        float[] a = TestData.Uniform(steps * rows, 74);
        float[] image = TestData.Uniform(4096, 75);
        int[] offsets = new int[steps];
        var rng = new Random(76);
        for (int p = 0; p < steps; p++) offsets[p] = rng.Next(0, 2000);
        int ldc = 2 * pixels;
        float[] output = new float[rows * ldc];
        fixed (float* pa = a, px = image, po = output)
        fixed (int* pOffsets = offsets)
        {
            float* x0 = px + 3, x1 = px + 1700;
            switch (tile)
            {
                case "256x6": DirectRowPairKernel<Vector256<float>, Vector256Ops>.Forward<SixRows>(steps, pa, pOffsets, x0, x1, rowStep, po, po + pixels, ldc); break;
                case "256x8": DirectRowPairKernel<Vector256<float>, Vector256Ops>.Forward<EightRows>(steps, pa, pOffsets, x0, x1, rowStep, po, po + pixels, ldc); break;
                default: DirectRowPairKernel<Vector512<float>, Vector512Ops>.Forward<EightRows>(steps, pa, pOffsets, x0, x1, rowStep, po, po + pixels, ldc); break;
            }
        }
        for (int j = 0; j < rows; j++)
        {
            for (int u = 0; u < 2; u++)
            {
                for (int lane = 0; lane < pixels; lane++)
                {
                    int at = (u == 0 ? 3 : 1700) + lane % half + lane / half * rowStep;
                    double sum = 0;
                    for (int p = 0; p < steps; p++) sum += (double)a[p * rows + j] * image[at + offsets[p]];
                    Assert.Equal(sum, output[j * ldc + u * pixels + lane], 1e-4);
                }
            }
        }
    }

    public static TheoryData<string, int, int, int, int, int> FewChannelCases()
    {
        var data = new TheoryData<string, int, int, int, int, int>();
        foreach (string width in new[] { "256", "512" })
        {
            data.Add(width, 2, 3, 32, 32, 16); // the stem's forward: 3 channels in, blocks of 3 out with a short last one
            data.Add(width, 3, 16, 32, 32, 3); // the stem's data gradient: 3 channels out
            data.Add(width, 2, 2, 9, 16, 5); // 144-pixel planes: a last tile that overlaps the one before, 2 channels in
            data.Add(width, 1, 5, 12, 48, 2); // 48-pixel rows, 2 channels out
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FewChannelCases))]
    public void Few_channel_forward_matches_the_reference(string width, int n, int c, int h, int w, int k)
    {
        var g = new ConvGeometry(n, c, h, w, k, 3, 3, 1, 1, 1, 1);
        float[] x = TestData.Uniform(g.InputSize, 81), filter = TestData.Uniform(g.FilterSize, 82), bias = TestData.Uniform(k, 83);
        float[] y = new float[g.OutputSize];
        var scratch = new ConvScratch();
        fixed (float* px = x, pw = filter, pb = bias, py = y)
        {
            var none = new ConvEpilogue(null, null, false);
            if (width == "256") FewChannelConvolution.Forward<Vector256<float>, Vector256Ops, FourRows>(g, px, pw, pb, none, py, scratch);
            else FewChannelConvolution.Forward<Vector512<float>, Vector512Ops, EightRows>(g, px, pw, pb, none, py, scratch);
        }
        TestData.AssertClose(ConvReference.Forward(g, x, filter, bias), y, 1e-4f, 1e-4f, $"{width}-bit few-channel forward {g}");
    }

    public static TheoryData<string, int, int, int, int, int> FewInputCases()
    {
        var data = new TheoryData<string, int, int, int, int, int>();
        foreach (string width in new[] { "256", "512" })
        {
            data.Add(width, 2, 3, 32, 32, 16); // r18w16-b64's stem: whole channel blocks, 6-vector calls across rows, the last overlapping
            data.Add(width, 1, 3, 32, 32, 64); // r18-b32's stem
            data.Add(width, 2, 2, 9, 16, 5); // 144-pixel planes, 2 channels in, a short last block of one channel
            data.Add(width, 1, 1, 6, 48, 11); // 48-pixel rows, 1 channel in, 11 out: blocks 4 + 4 + 3 (AVX2) or 8 + 3
            if (width == "256") data.Add(width, 3, 3, 6, 8, 4); // 48-pixel planes: exactly one AVX2 call per image
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FewInputCases))]
    public void Few_input_forward_matches_the_reference(string width, int n, int c, int h, int w, int k)
    {
        var g = new ConvGeometry(n, c, h, w, k, 3, 3, 1, 1, 1, 1);
        float[] x = TestData.Uniform(g.InputSize, 84), filter = TestData.Uniform(g.FilterSize, 85), bias = TestData.Uniform(k, 86);
        float[] y = new float[g.OutputSize];
        var scratch = new ConvScratch();
        fixed (float* px = x, pw = filter, pb = bias, py = y)
        {
            var none = new ConvEpilogue(null, null, false);
            if (width == "256") FewChannelConvolution.ForwardFewInputs<Vector256<float>, Vector256Ops, FourRows>(g, px, pw, pb, none, py, scratch);
            else FewChannelConvolution.ForwardFewInputs<Vector512<float>, Vector512Ops, EightRows>(g, px, pw, pb, none, py, scratch);
        }
        TestData.AssertClose(ConvReference.Forward(g, x, filter, bias), y, 1e-4f, 1e-4f, $"{width}-bit few-input forward {g}");
    }

    // Interleaved rows: row h of channel c at (h·C + c)·RowLength, zeros around; taps and origins agree with the placement.
    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    public void Interleaved_padding_puts_each_channel_row_after_the_last_channels_same_row(int stride, int pad)
    {
        var g = new ConvGeometry(2, 3, 5, 9, 4, 3, 3, stride, stride, pad, pad);
        var layout = new PaddedLayout(g, interleavedRows: true);
        float[] x = TestData.Uniform(g.InputSize, 92);
        float[] padded = new float[layout.ImageSize];
        fixed (float* px = x, pp = padded) layout.Pad(px + g.C * g.H * g.W, pp);
        for (int ch = 0; ch < g.C; ch++)
        {
            for (int row = 0; row < layout.Height; row++)
            {
                for (int column = 0; column < layout.RowLength; column++)
                {
                    int phase = column / layout.PhaseWidth, i = column % layout.PhaseWidth;
                    int ih = row - pad, iw = stride * i + phase - pad;
                    float expected = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? x[((g.C + ch) * g.H + ih) * g.W + iw] : 0f;
                    Assert.Equal(expected, padded[(row * g.C + ch) * layout.RowLength + column]);
                }
            }
        }
        // Output pixel (oh, ow) with tap (c, r, s) reads padded row oh·stride + r of channel c, column ow·stride + s.
        int oh = g.OutH - 1, ow = g.OutW - 1;
        int at = layout.Origin(oh * g.OutW + ow) + layout.TapOffset(2, 2, 2);
        int s = 2, column2 = s % stride * layout.PhaseWidth + ow + s / stride;
        Assert.Equal(((oh * stride + 2) * g.C + 2) * layout.RowLength + column2, at);
    }

    // Stride-2 padding splits each row into its even and odd columns: widths below, at and between the vector loops' steps, both paddings.
    [Theory]
    [InlineData(5, 1)]
    [InlineData(16, 1)]
    [InlineData(32, 0)]
    [InlineData(33, 1)]
    [InlineData(47, 0)]
    [InlineData(64, 1)]
    public void Stride_two_padding_puts_every_column_in_its_phase(int width, int pad)
    {
        var g = new ConvGeometry(2, 3, 5, width, 4, 3, 3, 2, 2, pad, pad);
        var layout = new PaddedLayout(g);
        float[] x = TestData.Uniform(g.InputSize, 91);
        float[] padded = new float[layout.ImageSize];
        for (int image = 0; image < g.N; image++)
        {
            fixed (float* px = x, pp = padded) layout.Pad(px + image * g.C * g.H * g.W, pp);
            for (int ch = 0; ch < g.C; ch++)
            {
                for (int row = 0; row < layout.Height; row++)
                {
                    for (int column = 0; column < layout.RowLength; column++)
                    {
                        // Padded column q = phase·PhaseWidth + i holds padded-image column 2i + phase, which is input column 2i + phase − pad.
                        int phase = column / layout.PhaseWidth, i = column % layout.PhaseWidth;
                        int ih = row - pad, iw = 2 * i + phase - pad;
                        float expected = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? x[((image * g.C + ch) * g.H + ih) * g.W + iw] : 0f;
                        Assert.Equal(expected, padded[(ch * layout.Height + row) * layout.RowLength + column]);
                    }
                }
            }
        }
    }

    // A stride-2 gather: its start left of the row (padding), runs long and short of the vector loops, its end past the row.
    [Theory]
    [InlineData(-1, 40, 20)]
    [InlineData(0, 32, 16)]
    [InlineData(1, 64, 30)]
    [InlineData(-3, 17, 12)]
    [InlineData(0, 15, 8)]
    public void Stride_two_gather_reads_every_other_float(int iw0, int width, int length)
    {
        float[] row = TestData.Uniform(width, 95);
        float[] d = new float[length];
        fixed (float* pr = row, pd = d) Im2ColPanels.GatherRow(pr, iw0, 2, width, pd, length);
        for (int i = 0; i < length; i++)
        {
            int iw = iw0 + 2 * i;
            Assert.Equal(iw >= 0 && iw < width ? row[iw] : 0f, d[i]);
        }
    }
}
