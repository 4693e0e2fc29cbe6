using AutoLoRa.Core.Backends;
using AutoLoRa.Verify.Cases;

namespace AutoLoRa.Verify;

/// <summary>
/// The one list of cases that decides whether a backend computes what the reference computes.
/// The xunit conformance theories (one row per case and backend), <c>autolora selftest</c> (one
/// line per family) and <c>autolora bench kernels</c> (<see cref="KernelBench"/>) all run it
/// through <see cref="CaseRunner"/>. A new primitive or kernel gets its case here, in the family
/// file under <c>Cases/</c>.
/// </summary>
public static class VerificationTable
{
    private static readonly Lazy<IReadOnlyList<VerificationCase>> Cases = new(Build);

    /// <summary>Every case at its checking size, families in the order the self-test prints them.</summary>
    public static IReadOnlyList<VerificationCase> All => Cases.Value;

    /// <summary>
    /// Every op's finite-difference gradient check, from the family files: what an op computes
    /// backwards is verified in the same table as what its primitives compute forwards.
    /// </summary>
    public static IReadOnlyList<GradientCase> Gradients { get; } =
    [
        .. ElementwiseCases.Gradients(), .. ReductionCases.Gradients(), .. RowCases.Gradients(), .. GemmReferenceCases.Gradients(),
        .. LoraCases.Gradients(), .. DenseReferenceCases.Gradients(), .. ImageCases.Gradients(), .. TransformerCases.Gradients(),
        .. LayoutCases.Gradients(),
    ];

    /// <summary>The case called <paramref name="name"/>.</summary>
    public static VerificationCase Find(string name) =>
        All.FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"The verification table has no case '{name}'.");

    /// <summary>
    /// One case per call that launches our own kernels, at about <paramref name="size"/> elements:
    /// elementwise kernels get n = size; NCHW kernels a (B, 64, 32, 32) batch with
    /// B = ⌈size / 65536⌉ (ResNet's early layers); row kernels (size / 10) × 10 logits, as for
    /// ten classes; LayerNorm (size / 192) × 192, GELU n = size, softmax (size / 65) × 65 (ViT-Ti/4's
    /// width and attention rows), attention (size / (65·192)) samples of ViT-Ti/4's 65 tokens and 3 heads of 64; AdamW n = size; swap_axes the head split of ViT-Ti (B, 65, 9, 64); copy_rows ViT-Ti/4's class token in front of (B, 65, 192) sequences and out again. Built lazily, one case at a time: at the default bench size an array is 64 MB.
    /// </summary>
    public static IEnumerable<PrimitiveCase> KernelBench(int size)
    {
        const int channels = 64, side = 32, classes = 10;
        foreach (var c in ElementwiseCases.For(size)) yield return c;
        yield return ReductionCases.Sum(size);
        int batch = Math.Max(1, (int)(((long)size + channels * side * side - 1) / (channels * side * side)));
        foreach (var c in ReductionCases.For(batch, channels, side * side)) yield return c;
        yield return ImageCases.MaxPool(new PoolGeometry(batch, channels, side, side, Kernel: 3, Stride: 2, Pad: 1));
        // A quarter of the batch, doubled in each direction: the output is as large as the NCHW batch.
        foreach (var c in ImageCases.Resize(new ResizeGeometry(Math.Max(1, batch / 4), channels, side, side, 2 * side, 2 * side))) yield return c;
        foreach (var c in RowCases.For(Math.Max(1, size / classes), classes)) yield return c;
        yield return TransformerCases.LayerNorm(Math.Max(1, size / 192), 192);
        yield return TransformerCases.Gelus(size);
        yield return TransformerCases.Softmaxes(Math.Max(1, size / 65), 65);
        yield return OptimizerReferenceCases.AdamW(size);
        // ViT-Ti's head split: (B, 65 tokens, 9 = 3·heads, 64) with B·65·9·64 ≈ size.
        yield return LayoutCases.SwapAxes(Math.Max(1, size / (65 * 9 * 64)), 65, 9, 64);
        // ViT-Ti/4's class token in and out: (B, 65 tokens, 192) with B·65·192 ≈ size.
        yield return LayoutCases.CopyRows(Math.Max(1, size / (65 * 192)), 65, 192);
        // ViT-Ti/4's attention: (B, 65 tokens, 3 heads of 64) with B·65·192 ≈ size.
        yield return TransformerCases.Attention(Math.Max(1, size / (65 * 192)), 65, 3, 64);
    }

    private static IReadOnlyList<VerificationCase> Build()
    {
        var cases = new List<VerificationCase>();
        cases.AddRange(ElementwiseCases.Lengths.Where(n => n <= 40_001).Select(n => LibraryCases.Buffers(n)));
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                cases.Add(LibraryCases.Gemm(ta, tb, beta: 0f));
                cases.Add(LibraryCases.Gemm(ta, tb, beta: 0.5f));
            }
        }
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true }) cases.Add(LibraryCases.GemmBatched(ta, tb));
        }
        ConvGeometry[] convolutions =
        [
            new(2, 3, 9, 7, 5, 3, 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1),
            new(3, 4, 5, 6, 6, 1, 1),
            new(1, 2, 8, 8, 3, 3, 3, PadH: 1, PadW: 1),
        ];
        foreach (var g in convolutions)
        {
            cases.Add(LibraryCases.Convolution(g, withBias: false));
            cases.Add(LibraryCases.Convolution(g, withBias: true));
        }
        cases.AddRange(new[] { (3, 5, 37), (8, 4, 1), (2, 16, 64) }.Select(s => LibraryCases.BatchNorm(s.Item1, s.Item2, s.Item3)));
        cases.AddRange(ImageCases.Pools.Select(g => ImageCases.MaxPool(g)));
        cases.AddRange(ImageCases.Pools.Select(g => ImageCases.AvgPool(g)));
        cases.AddRange(ImageCases.Resizes.SelectMany(g => ImageCases.Resize(g)));
        cases.AddRange(ElementwiseCases.Lengths.SelectMany(n => ElementwiseCases.For(n)));
        cases.AddRange(ElementwiseCases.Lengths.Select(n => ElementwiseCases.AxpbyInPlace(n)));
        cases.AddRange(ReductionCases.Shapes.SelectMany(s => ReductionCases.For(s.Outer, s.Channels, s.Inner)));
        cases.AddRange(ElementwiseCases.Lengths.Select(n => ReductionCases.Sum(n)));
        cases.AddRange(RowCases.Shapes.SelectMany(s => RowCases.For(s.Rows, s.Classes)));
        cases.AddRange(LoraCases.Shapes.Select(s => LoraCases.For(s.OutRows, s.Rank, s.InCols)));
        cases.AddRange(ElementwiseReferenceCases.Lengths.Select(ElementwiseReferenceCases.Unary));
        cases.AddRange(ElementwiseReferenceCases.Lengths.Select(ElementwiseReferenceCases.Binary));
        cases.AddRange(ElementwiseReferenceCases.Lengths.Select(ElementwiseReferenceCases.ReluBackward));
        cases.AddRange(new[] { (1, 3, 5), (4, 7, 33), (3, 16, 1) }.Select(s => ElementwiseReferenceCases.Bias(s.Item1, s.Item2, s.Item3)));
        cases.AddRange(ElementwiseReferenceCases.Lengths.Select(ElementwiseReferenceCases.Sum));
        cases.AddRange(new[] { (1, 1), (5, 10), (3, 1000) }.Select(s => ElementwiseReferenceCases.LogSoftmax(s.Item1, s.Item2)));
        cases.AddRange(GemmReferenceCases.All());
        cases.AddRange(new[] { (1, 2), (7, 10), (33, 100) }.Select(s => FusedReferenceCases.SoftmaxCrossEntropy(s.Item1, s.Item2)));
        cases.AddRange(new[] { (1, 2), (9, 10), (20, 37) }.Select(s => FusedReferenceCases.KlDivergence(s.Item1, s.Item2)));
        cases.AddRange(new[] { (12, 6, 9), (64, 8, 64), (5, 1, 3) }.Select(s => FusedReferenceCases.LoraMerge(s.Item1, s.Item2, s.Item3)));
        cases.AddRange(ElementwiseReferenceCases.Lengths.Select(FusedReferenceCases.PgdStep));
        cases.AddRange(ElementwiseReferenceCases.Lengths.Select(FusedReferenceCases.SgdMomentum));
        cases.AddRange(ElementwiseReferenceCases.Lengths.Select(OptimizerReferenceCases.AdamW));
        cases.AddRange(DenseReferenceCases.Convolutions.Select(DenseReferenceCases.Convolution));
        cases.AddRange(DenseReferenceCases.BatchNorms.Select(s => DenseReferenceCases.BatchNormTraining(s.N, s.C, s.Hw, s.Offset)));
        cases.AddRange(new[] { (3, 4, 35), (4, 16, 1024) }.Select(s => DenseReferenceCases.BatchNormInference(s.Item1, s.Item2, s.Item3)));
        cases.AddRange(ImageReferenceCases.Pools.Select(ImageReferenceCases.Pooling));
        cases.AddRange(new[] { (2, 3, 16), (1, 1, 1), (3, 5, 49) }.Select(s => ImageReferenceCases.GlobalAvgPool(s.Item1, s.Item2, s.Item3)));
        cases.AddRange(ImageReferenceCases.Resizes.Select(ImageReferenceCases.Resize));
        cases.AddRange(TransformerCases.Shapes.Select(s => TransformerCases.LayerNorm(s.Rows, s.Cols)));
        cases.AddRange(TransformerCases.Lengths.Select(TransformerCases.Gelus));
        cases.AddRange(TransformerCases.Shapes.Select(s => TransformerCases.Softmaxes(s.Rows, s.Cols)));
        cases.AddRange(LayoutCases.Shapes.Select(s => LayoutCases.SwapAxes(s.Outer, s.A, s.B, s.Inner)));
        cases.AddRange(LayoutCases.TokenShapes.Select(s => LayoutCases.CopyRows(s.N, s.T, s.D)));
        cases.AddRange(TransformerCases.AttentionShapes.Select(s => TransformerCases.Attention(s.N, s.T, s.Heads, s.HeadDim)));
        cases.Add(new TrainingStepCase { Family = "autolora 2 steps vs cpu", Name = "autolora 2 steps" });
        cases.Add(new TrainingStepCase { Family = "autolora 2 steps vs cpu", Name = "autolora 2 steps vit-mini", Model = TrainingStepCase.Vit });
        // Family order for the self-test: as built, except that the families are grouped.
        var order = cases.Select(c => c.Family).Distinct().ToList();
        var sorted = cases.OrderBy(c => order.IndexOf(c.Family)).ToList();
        var duplicate = sorted.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"Two verification cases are called '{duplicate.Key}'.");
        return sorted;
    }
}
