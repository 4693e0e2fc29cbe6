using System.Runtime.InteropServices;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// ResNet's projection shortcut, a 1×1 convolution with stride and no padding. Data gradient: the
/// GEMM's (C, OutH·OutW) result per image is spread straight to the strided positions of dx with
/// the positions between written as zeros in the same pass — where GEMM + Col2Im clears dx,
/// scatter-adds the values one by one, and passes over dx again for the epilogue. Forward
/// (<see cref="Forward"/>): each worker gathers a group of images' subsampled planes into its own
/// cache and multiplies them by the filter read in place (<see cref="PointwiseKernel"/>), writing y
/// with the bias and epilogue as the tiles finish — where the implicit GEMM packs the filter every
/// call, packs its panels by strided gathers and copies a group's result from scratch to y. Side by
/// side on a loaded 2-core Zen 5: r18-b32's layer3.0sc 127–137 against the GEMM's 106–119 GFLOP/s,
/// layer2.0sc and layer4.0sc within ±10 % of it, r18w16-b64's shortcuts level or slower (the
/// autotuner keeps the GEMM there); the gather from memory is a third of its time at layer2.0sc,
/// and prefetching the next group's rows did not shorten it.
/// (Copying the subsampled planes first and then packing them whole for the GEMM measured 0–25 %
/// slower than its strided gathers: the copy pays only where nothing packs it again.)
/// </summary>
internal static unsafe class StridedPointwise
{
    /// <summary>Whether this applies: 1×1, no padding, a stride above 1 in either direction.</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.R == 1 && g.S == 1 && g.PadH == 0 && g.PadW == 0 && (g.StrideH > 1 || g.StrideW > 1);

    /// <summary>Subsampled input a worker gathers at a time (256 KiB: its L2 keeps it with the filter rows streaming past).</summary>
    private const int GroupFloats = 1 << 16;

    /// <summary>Whether <see cref="Forward"/> runs <paramref name="g"/>: AVX-512, whole 8-channel blocks of K, planes of whole 16-pixel vectors.</summary>
    public static bool AppliesToForward(in ConvGeometry g) =>
        Applies(g) && PointwiseKernel.IsSupported && g.K % PointwiseKernel.Channels == 0 && g.OutH * g.OutW % PointwiseKernel.Pixels == 0;

    /// <summary>y = conv(x, w) (+ bias), then <paramref name="epilogue"/>, in parallel over groups of images (see the class remarks).</summary>
    public static void Forward(in ConvGeometry g, float* x, float* w, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch)
    {
        int planes = g.OutH * g.OutW;
        int workers = CpuParallel.WorkerCount;
        // At least two groups per worker, so a core slowed by other work leaves the rest to the others.
        int group = Math.Clamp(Math.Min(GroupFloats / (g.C * planes), (g.N + 2 * workers - 1) / (2 * workers)), 1, g.N);
        int groups = (g.N + group - 1) / group;
        workers = Math.Min(workers, groups);
        scratch.EnsureColumns(workers, (long)g.C * group * planes);
        int next = 0;
        CpuParallel.For(workers, new ForwardGroups
        {
            G = g, X = x, W = w, Y = y, Scratch = scratch, Group = group, Next = &next,
            Writer = new EpilogueStore { Y = y, Bias = bias, Epilogue = epilogue, Planes = planes, Channels = g.K },
        });
    }

    /// <summary>Worker w takes groups of images from a shared counter: gathers their subsampled planes into its scratch, then every tile.</summary>
    private struct ForwardGroups : IParallelWork
    {
        public ConvGeometry G;
        public float* X, W, Y;
        public ConvScratch Scratch;
        public EpilogueStore Writer;
        public int Group;
        public int* Next;

        public readonly void Execute(int worker)
        {
            float* sub = Scratch.Columns(worker);
            int planes = G.OutH * G.OutW, c = G.C;
            int i;
            while ((i = Interlocked.Increment(ref *Next) - 1) * Group < G.N)
            {
                int first = i * Group, count = Math.Min(Group, G.N - first), columns = count * planes;
                Gather(first, count, sub, columns);
                // Each 32-pixel tile of the copy stays in L1 while every block of 8 filters passes over it.
                int q = 0;
                for (; q + 2 * PointwiseKernel.Pixels <= columns; q += 2 * PointwiseKernel.Pixels)
                {
                    for (int k = 0; k < G.K; k += PointwiseKernel.Channels)
                    {
                        PointwiseKernel.Pair(c, W + (long)k * c, c, sub + q, sub + q + PointwiseKernel.Pixels, columns,
                            Writer, Output(first, k, q), Output(first, k, q + PointwiseKernel.Pixels), planes);
                    }
                }
                if (q == columns) continue;
                for (int k = 0; k < G.K; k += PointwiseKernel.Channels)
                {
                    PointwiseKernel.Single(c, W + (long)k * c, c, sub + q, columns, Writer, Output(first, k, q), planes);
                }
            }
        }

        /// <summary>sub[c, i·P + pixel] = x[first + i, c] at the pixel's strided position.</summary>
        private readonly void Gather(int first, int count, float* sub, int columns)
        {
            int planes = G.OutH * G.OutW;
            long planeSize = (long)G.H * G.W;
            for (int i = 0; i < count; i++)
            {
                float* image = X + (first + i) * G.C * planeSize;
                for (int c = 0; c < G.C; c++)
                {
                    float* plane = image + c * planeSize;
                    float* dst = sub + (long)c * columns + i * planes;
                    for (int oh = 0; oh < G.OutH; oh++, dst += G.OutW)
                    {
                        Im2ColPanels.GatherRow(plane + (long)oh * G.StrideH * G.W, 0, G.StrideW, G.W, dst, G.OutW);
                    }
                }
            }
        }

        /// <summary>Where column q of the group (image first + q / P, pixel q mod P) of channel k goes in y.</summary>
        private readonly float* Output(int first, int k, int q)
        {
            int planes = G.OutH * G.OutW;
            return Y + ((long)(first + q / planes) * G.K + k) * planes + q % planes;
        }
    }

    /// <summary>A tile's vector to y with the bias of its channel and the epilogue (y's layout tells the channel and the offset).</summary>
    private struct EpilogueStore : ITileWriter<Vector512<float>>
    {
        public float* Y, Bias;
        public ConvEpilogue Epilogue;
        public int Planes, Channels;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Write(Vector512<float> sum, float* destination)
        {
            long offset = destination - Y;
            if (Bias != null) sum += Vector512.Create(Bias[offset / Planes % Channels]);
            Vector512.Store(Epilogue.On(sum, offset), destination);
        }
    }

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
