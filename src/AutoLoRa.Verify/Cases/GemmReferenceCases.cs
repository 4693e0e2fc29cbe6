using static AutoLoRa.Verify.GradientLeaves;
using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Verify.Cases;

/// <summary>
/// GEMM and strided-batched GEMM against <see cref="GemmReference"/>'s double-precision loop, with
/// every transpose, α and β, offsets and padded leading dimensions. Each case's tolerance is derived
/// from its depth and its own data (<see cref="Derived"/>).
/// </summary>
public static class GemmReferenceCases
{
    private const string Family = "gemm vs reference";

    /// <summary>Degenerate, odd, tall, wide and deep shapes; 64×96×8 and 16×100×144 as the models' convolutions give them.</summary>
    public static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 7, 3), (7, 1, 5), (7, 17, 33), (17, 33, 7), (33, 65, 17),
        (65, 130, 33), (130, 65, 257), (64, 96, 8), (16, 100, 144),
    ];

    /// <summary>
    /// One GEMM with row strides <paramref name="padding"/> wider than the matrices and all three
    /// operands starting <paramref name="offset"/> elements into their buffers; C is compared whole,
    /// so the padding and the prefix must be left alone.
    /// </summary>
    public static PrimitiveCase Gemm(bool transA, bool transB, int m, int n, int k, float alpha, float beta, int padding, int offset, int seed)
    {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + padding, ldb = bCols + padding, ldc = n + padding;
        var a = new SeededData(seed).Uniform(offset + aRows * lda);
        var b = new SeededData(seed + 1).Uniform(offset + bRows * ldb);
        var c0 = new SeededData(seed + 2).Uniform(offset + m * ldc);
        var c = new CaseBuffers();
        var bound = Derived(k, beta, SummationBound.GemmMagnitude(transA, transB, m, n, k, alpha, a.AsSpan(offset), lda, b.AsSpan(offset), ldb,
            beta, c0.AsSpan(offset), ldc));
        // Under TF32: k products of inputs in [-1, 1), each scaled by |α|.
        int da = c.In(a), db = c.In(b), dc = c.InOut(c0, bound.WithTf32Products(k, Math.Abs(alpha)), "C");
        string shape = $"{m}×{n}×{k}";
        return new()
        {
            Family = Family, Shape = shape, Buffers = c,
            Name = $"gemm tA={transA} tB={transB} {shape} alpha={alpha} beta={beta}" + (padding + offset > 0 ? $" pad={padding} offset={offset}" : ""),
            Run = (be, x) => be.Gemm(transA, transB, m, n, k, alpha, new BufferSlice(x[da], offset), lda, new BufferSlice(x[db], offset), ldb,
                beta, new BufferSlice(x[dc], offset), ldc),
            HostReference = _ =>
            {
                var expected = (float[])c0.Clone();
                GemmReference.Run(transA, transB, m, n, k, alpha, a.AsSpan(offset), lda, b.AsSpan(offset), ldb, beta, expected.AsSpan(offset), ldc);
                return [expected];
            },
            Cost = CaseCost.Library((long)m * k + (long)k * n + 2L * m * n, 2L * m * n * k),
        };
    }

    /// <summary>Five matrices at strides with gaps between them, from an offset, with α = 0.75 and β = 0.5.</summary>
    public static PrimitiveCase StridedBatched(bool transA, bool transB)
    {
        const int m = 13, n = 29, k = 11, batch = 5, offset = 3;
        int lda = transA ? m : k, ldb = transB ? k : n, ldc = n + 2;
        long strideA = m * k + 4, strideB = k * n + 1, strideC = m * ldc + 6;
        var a = new SeededData(21).Uniform(offset + (int)strideA * batch);
        var b = new SeededData(22).Uniform(offset + (int)strideB * batch);
        var c0 = new SeededData(23).Uniform(offset + (int)strideC * batch);
        double magnitude = Enumerable.Range(0, batch).Max(i => SummationBound.GemmMagnitude(transA, transB, m, n, k, 0.75f,
            a.AsSpan(offset + (int)(i * strideA)), lda, b.AsSpan(offset + (int)(i * strideB)), ldb, 0.5f, c0.AsSpan(offset + (int)(i * strideC)), ldc));
        var c = new CaseBuffers();
        int da = c.In(a), db = c.In(b), dc = c.InOut(c0, Derived(k, 0.5f, magnitude).WithTf32Products(k, 0.75), "C");
        return new()
        {
            Family = Family, Name = $"gemm strided batched tA={transA} tB={transB}", Shape = $"{batch}×{m}×{n}×{k}", Buffers = c,
            Run = (be, x) => be.GemmStridedBatched(transA, transB, m, n, k, 0.75f, new BufferSlice(x[da], offset), lda, strideA,
                new BufferSlice(x[db], offset), ldb, strideB, 0.5f, new BufferSlice(x[dc], offset), ldc, strideC, batch),
            HostReference = _ =>
            {
                var expected = (float[])c0.Clone();
                for (int i = 0; i < batch; i++)
                {
                    GemmReference.Run(transA, transB, m, n, k, 0.75f, a.AsSpan(offset + (int)(i * strideA)), lda,
                        b.AsSpan(offset + (int)(i * strideB)), ldb, 0.5f, expected.AsSpan(offset + (int)(i * strideC)), ldc);
                }
                return [expected];
            },
            Cost = CaseCost.Library(batch * (m * k + k * n + 2L * m * n), 2L * batch * m * n * k),
        };
    }

    /// <summary>Every case of the family: each shape under the four transposes; α and β; offsets and leading dimensions; strided batches.</summary>
    public static IEnumerable<PrimitiveCase> All()
    {
        bool[] both = [false, true];
        foreach (var (m, n, k) in Shapes)
        {
            foreach (bool ta in both)
            {
                foreach (bool tb in both) yield return Gemm(ta, tb, m, n, k, 1f, 0f, padding: 0, offset: 0, seed: m * 31 + n * 7 + k);
            }
        }
        // α and β: each pair checked under all four transposes, one case each.
        foreach (var (alpha, beta) in new[] { (0.5f, 0f), (1f, 1f), (-2f, 0.25f), (0f, 3f) })
        {
            foreach (bool ta in both)
            {
                foreach (bool tb in both) yield return Gemm(ta, tb, 19, 37, 45, alpha, beta, padding: 0, offset: 0, seed: 5);
            }
        }
        foreach (bool ta in both)
        {
            foreach (bool tb in both) yield return Gemm(ta, tb, 23, 41, 35, 1.5f, -0.5f, padding: 5, offset: 13, seed: 9);
        }
        foreach (var (ta, tb) in new[] { (false, false), (true, true), (true, false) }) yield return StridedBatched(ta, tb);
        // The odd sizes `autolora selftest` has always checked GEMM on.
        foreach (bool ta in both)
        {
            foreach (bool tb in both) yield return Gemm(ta, tb, 67, 45, 33, 1f, 0f, padding: 0, offset: 0, seed: 7);
        }
    }

    /// <summary>
    /// The bound of a GEMM against the double loop: γ_d·max Σ|terms| with d = k + 1 (+1 with β·C), any
    /// summation order, cuBLAS's unknown one included (<see cref="SummationBound.AgainstDouble"/>).
    /// </summary>
    public static Tolerance Derived(int k, float beta, double maxSumOfMagnitudes) =>
        SummationBound.AgainstDouble(SummationBound.GemmDepth(k, beta != 0), maxSumOfMagnitudes,
            $"α·Σ of k = {k} products{(beta != 0 ? " + β·C" : "")}");

    /// <summary>The linear layer's backward rule, with and without a bias.</summary>
    public static IEnumerable<GradientCase> Gradients()
    {
        yield return GradientCase.Of("gemm", "linear 5x7 -> 3 with bias",
            b => [Uniform(b, new Shape(5, 7), 1), Uniform(b, new Shape(3, 7), 2), Uniform(b, new Shape(3), 3)], t => Ops.Linear(t[0], t[1], t[2]));
        yield return GradientCase.Of("gemm", "linear 5x7 -> 3", b => [Uniform(b, new Shape(5, 7), 1), Uniform(b, new Shape(3, 7), 2)], t => Ops.Linear(t[0], t[1]));
    }
}
