namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// A 1×1 convolution with stride and no padding (ResNet's projection shortcut) as a pointwise one
/// over the subsampled image: forward, the pixels (oh·StrideH, ow·StrideW) are copied once into
/// (C, OutH·OutW) planes that the GEMM packs as whole contiguous planes (<see cref="PlanePanels"/>)
/// instead of gathering every panel segment at a stride; data gradient, the GEMM's (C, OutH·OutW)
/// result is spread straight to the strided positions of dx with the positions between written as
/// zeros in the same pass — where GEMM + Col2Im clears dx, scatter-adds the values one by one, and
/// passes over dx again for the epilogue.
/// </summary>
internal static unsafe class StridedPointwise
{
    /// <summary>Whether this applies: 1×1, no padding, a stride above 1 in either direction.</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.R == 1 && g.S == 1 && g.PadH == 0 && g.PadW == 0 && (g.StrideH > 1 || g.StrideW > 1);

    /// <summary>Plane (n, c): subsampled[(n·C + c)·P + oh·OutW + ow] = x[n, c, oh·StrideH, ow·StrideW].</summary>
    public struct Subsample : IParallelWork
    {
        public ConvGeometry G;
        public float* X, Subsampled;

        public readonly void Execute(int plane)
        {
            float* src = X + (long)plane * G.H * G.W;
            float* dst = Subsampled + (long)plane * G.OutH * G.OutW;
            for (int oh = 0; oh < G.OutH; oh++, dst += G.OutW)
            {
                Im2ColPanels.GatherRow(src + (long)oh * G.StrideH * G.W, 0, G.StrideW, G.W, dst, G.OutW);
            }
        }
    }

    /// <summary>
    /// Item i·C + c: plane c of image First + i of dx from row c of the group's (C, Ld) GEMM result
    /// (image i's pixels at columns [i·P, (i+1)·P)), zeros between, then the epilogue on the plane
    /// while it is in L1.
    /// </summary>
    public struct Spread : IParallelWork
    {
        public ConvGeometry G;
        public float* Gradient, Dx;
        public int First, Ld;
        public ConvEpilogue Epilogue;

        public readonly void Execute(int item)
        {
            int i = item / G.C, c = item - i * G.C;
            int planes = G.OutH * G.OutW;
            float* src = Gradient + (long)c * Ld + (long)i * planes;
            long plane = ((long)(First + i) * G.C + c) * G.H * G.W;
            // The odd columns of a stride-2 row, merged in by SubPixelDataGradient.Merge.
            bool merge = G.StrideW == 2 && G.W <= MaxMergedWidth;
            int odds = merge ? G.W / 2 + 1 : 0;
            float* zeros = stackalloc float[odds];
            new Span<float>(zeros, odds).Clear();
            for (int ih = 0; ih < G.H; ih++)
            {
                float* row = Dx + plane + (long)ih * G.W;
                int oh = ih / G.StrideH;
                if (ih - oh * G.StrideH != 0 || oh >= G.OutH)
                {
                    new Span<float>(row, G.W).Clear();
                    continue;
                }
                float* values = src + (long)oh * G.OutW;
                if (merge)
                {
                    SubPixelDataGradient.Merge(values, zeros, row, G.W);
                    continue;
                }
                for (int iw = 0, ow = 0; iw < G.W; iw++)
                {
                    bool kept = iw == ow * G.StrideW && ow < G.OutW;
                    row[iw] = kept ? values[ow++] : 0f;
                }
            }
            Epilogue.Apply(Dx, plane, G.H * G.W);
        }

        // Rows wider than this take the scalar loop rather than a larger stack buffer of zeros.
        private const int MaxMergedWidth = 2048;
    }
}
