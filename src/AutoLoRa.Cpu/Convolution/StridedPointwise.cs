using System.Runtime.InteropServices;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The data gradient of a 1×1 convolution with stride and no padding (ResNet's projection
/// shortcut): the GEMM's (C, OutH·OutW) result per image is spread straight to the strided
/// positions of dx with the positions between written as zeros in the same pass — where GEMM +
/// Col2Im clears dx, scatter-adds the values one by one, and passes over dx again for the epilogue.
/// (The forward's counterpart, copying the subsampled planes first and packing them whole, measured
/// 0–25 % slower than packing by strided gathers, so the forward keeps those.)
/// </summary>
internal static unsafe class StridedPointwise
{
    /// <summary>Whether this applies: 1×1, no padding, a stride above 1 in either direction.</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.R == 1 && g.S == 1 && g.PadH == 0 && g.PadW == 0 && (g.StrideH > 1 || g.StrideW > 1);

    /// <summary>
    /// Item i: image First + i of dx from the group's (C, Ld) GEMM result (image i's pixels at
    /// columns [i·P, (i+1)·P) of every row), zeros between, then the epilogue over the image. Whole
    /// images, not planes, are the items: late layers have 8×8 planes, where a call per plane (clear,
    /// epilogue) costs more than the floats it writes.
    /// </summary>
    public struct Spread : IParallelWork
    {
        public ConvGeometry G;
        public float* Gradient, Dx;
        public int First, Ld;
        public ConvEpilogue Epilogue;

        public readonly void Execute(int i)
        {
            int outH = G.OutH, outW = G.OutW, strideW = G.StrideW, width = G.W;
            long rowStep = (long)G.StrideH * width, planeSize = (long)G.H * width, imageSize = G.C * planeSize;
            long image = (First + i) * imageSize;
            bool merge = strideW == 2 && width >= MergedWidth && width <= 2 * ZeroCount;
            float* zeros = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(s_zeros));
            new Span<float>(Dx + image, (int)imageSize).Clear();
            for (int c = 0; c < G.C; c++)
            {
                float* src = Gradient + (long)c * Ld + (long)i * outH * outW;
                float* row = Dx + image + c * planeSize;
                for (int oh = 0; oh < outH; oh++, src += outW, row += rowStep)
                {
                    if (merge) SubPixelDataGradient.Merge(src, zeros, row, width);
                    else for (int ow = 0; ow < outW; ow++) row[ow * strideW] = src[ow];
                }
            }
            Epilogue.Apply(Dx, image, (int)imageSize);
        }

        // The odd columns merged into a stride-2 row; pinned, so its address is fixed.
        private const int ZeroCount = 1024;
        private static readonly float[] s_zeros = GC.AllocateArray<float>(ZeroCount, pinned: true);

        /// <summary>From this width on, a stride-2 row is written whole by vector permutes (<see cref="SubPixelDataGradient.Merge"/>).</summary>
        public const int MergedWidth = 32;
    }
}
