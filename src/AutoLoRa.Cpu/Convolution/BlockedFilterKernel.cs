using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>How many input-channel vectors (columns) a <see cref="BlockedFilterKernel{TV, TOps, THeight, TWidth}"/> tile holds, as a type: each count compiles its own loop.</summary>
internal interface ITileWidth
{
    static abstract int Columns { get; }
}

internal struct OneColumn : ITileWidth { public static int Columns => 1; }

internal struct TwoColumns : ITileWidth { public static int Columns => 2; }

internal struct ThreeColumns : ITileWidth { public static int Columns => 3; }

/// <summary>
/// Where a <see cref="BlockedFilterKernel{TV, TOps, THeight, TWidth}"/> sweep walks: <see cref="Images"/> images
/// of <see cref="Rows"/> × <see cref="Columns"/> output pixels; in the channel-blocked input, images
/// are <see cref="ImageStride"/> floats apart, output rows <see cref="RowStride"/> (stride·padded
/// width·lanes) and output pixels <see cref="Step"/> (stride·lanes).
/// </summary>
internal readonly record struct BlockedSweep(int Images, int Rows, int Columns, nint ImageStride, nint RowStride, nint Step);

/// <summary>
/// The register tile of <see cref="BlockedFilterGradient"/>: <typeparamref name="THeight"/> output
/// channels × <typeparamref name="TWidth"/> vectors of input channels (each at its own filter tap),
/// summed over every output pixel of a sweep — a GEMM whose inner dimension is the pixels:
/// <code>
///   target[j·ld + u·L + lane] += Σ_pixels dy[pixel][j] · x_u[pixel][lane]
/// </code>
/// Per pixel, <typeparamref name="THeight"/> broadcasts of dy (its <typeparamref name="THeight"/>
/// channels are consecutive floats) and one vector load per column feed THeight × TWidth
/// multiply-adds (8 × 3 = 24 with AVX-512: 11 loads, two of them new cache lines). The sums stay
/// in registers over the whole sweep and are added to the target once, so no lane sums are needed
/// (a kernel with pixels along its vectors must reduce every accumulator). Both operands are read
/// in place from the layouts <see cref="BlockedFilterGradient"/> packs: dy as
/// [pixel][THeight channels] with the sweep's pixels consecutive, x as 16-channel (8 for AVX2)
/// blocks of zero-padded images, column u at <c>x + o_u</c> from column 0.
/// </summary>
internal static unsafe class BlockedFilterKernel<TV, TOps, THeight, TWidth>
    where TV : struct where TOps : IVectorOps<TV> where THeight : ITileHeight where TWidth : ITileWidth
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(in BlockedSweep sweep, float* x, nint o1, nint o2, float* dy, float* target, nint ld)
    {
        TV c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        TV c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        TV c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        TV c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        int images = sweep.Images, rows = sweep.Rows, columns = sweep.Columns;
        nint imageStride = sweep.ImageStride, rowStride = sweep.RowStride, step = sweep.Step;
        int height = THeight.Rows, width = TWidth.Columns;
        for (int n = 0; n < images; n++, x += imageStride)
        {
            float* row = x;
            for (int oy = 0; oy < rows; oy++, row += rowStride)
            {
                float* xp = row;
                for (int ox = 0; ox < columns; ox++, xp += step, dy += height)
                {
                    TV b0 = TOps.Load(xp);
                    TV b1 = width > 1 ? TOps.Load(xp + o1) : default;
                    TV b2 = width > 2 ? TOps.Load(xp + o2) : default;
                    TV a = TOps.Broadcast(dy[0]);
                    c00 = TOps.MultiplyAdd(a, b0, c00); if (width > 1) c01 = TOps.MultiplyAdd(a, b1, c01); if (width > 2) c02 = TOps.MultiplyAdd(a, b2, c02);
                    a = TOps.Broadcast(dy[1]);
                    c10 = TOps.MultiplyAdd(a, b0, c10); if (width > 1) c11 = TOps.MultiplyAdd(a, b1, c11); if (width > 2) c12 = TOps.MultiplyAdd(a, b2, c12);
                    a = TOps.Broadcast(dy[2]);
                    c20 = TOps.MultiplyAdd(a, b0, c20); if (width > 1) c21 = TOps.MultiplyAdd(a, b1, c21); if (width > 2) c22 = TOps.MultiplyAdd(a, b2, c22);
                    a = TOps.Broadcast(dy[3]);
                    c30 = TOps.MultiplyAdd(a, b0, c30); if (width > 1) c31 = TOps.MultiplyAdd(a, b1, c31); if (width > 2) c32 = TOps.MultiplyAdd(a, b2, c32);
                    if (height <= 4) continue;
                    a = TOps.Broadcast(dy[4]);
                    c40 = TOps.MultiplyAdd(a, b0, c40); if (width > 1) c41 = TOps.MultiplyAdd(a, b1, c41); if (width > 2) c42 = TOps.MultiplyAdd(a, b2, c42);
                    a = TOps.Broadcast(dy[5]);
                    c50 = TOps.MultiplyAdd(a, b0, c50); if (width > 1) c51 = TOps.MultiplyAdd(a, b1, c51); if (width > 2) c52 = TOps.MultiplyAdd(a, b2, c52);
                    if (height <= 6) continue;
                    a = TOps.Broadcast(dy[6]);
                    c60 = TOps.MultiplyAdd(a, b0, c60); if (width > 1) c61 = TOps.MultiplyAdd(a, b1, c61); if (width > 2) c62 = TOps.MultiplyAdd(a, b2, c62);
                    a = TOps.Broadcast(dy[7]);
                    c70 = TOps.MultiplyAdd(a, b0, c70); if (width > 1) c71 = TOps.MultiplyAdd(a, b1, c71); if (width > 2) c72 = TOps.MultiplyAdd(a, b2, c72);
                }
            }
        }
        AddRow(target, c00, c01, c02);
        AddRow(target + ld, c10, c11, c12);
        AddRow(target + 2 * ld, c20, c21, c22);
        AddRow(target + 3 * ld, c30, c31, c32);
        if (height <= 4) return;
        AddRow(target + 4 * ld, c40, c41, c42);
        AddRow(target + 5 * ld, c50, c51, c52);
        if (height <= 6) return;
        AddRow(target + 6 * ld, c60, c61, c62);
        AddRow(target + 7 * ld, c70, c71, c72);
    }

    /// <summary>Adds a finished row's live columns to the target row (columns one vector apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(float* target, TV s0, TV s1, TV s2)
    {
        int lanes = Unsafe.SizeOf<TV>() / sizeof(float);
        var add = default(Accumulate<TV, TOps>);
        add.Write(s0, target);
        if (TWidth.Columns > 1) add.Write(s1, target + lanes);
        if (TWidth.Columns > 2) add.Write(s2, target + 2 * lanes);
    }
}
