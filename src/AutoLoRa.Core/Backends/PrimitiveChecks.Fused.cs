namespace AutoLoRa.Core.Backends;

/// <summary>Checks of the elementwise, reduction and row-wise primitives and of the fused primitives of the hot path.</summary>
public static partial class PrimitiveChecks
{
    // ---- elementwise and reductions ----------------------------------------------------------------

    /// <summary>
    /// An elementwise primitive (<see cref="Backend.Axpby"/>, <see cref="Backend.Relu"/>, …):
    /// <paramref name="length"/> not negative and every operand a float32 buffer of at least that many elements.
    /// </summary>
    /// <param name="primitive">The primitive's name, as in <see cref="Backend"/>.</param>
    /// <param name="length">The element count of the call.</param>
    /// <param name="operands">Every buffer the primitive reads or writes, with its parameter name.</param>
    public static void Elementwise(string primitive, int length, params ReadOnlySpan<(DeviceBuffer Buffer, string Name)> operands)
    {
        if (length < 0) throw new BackendException($"{primitive}: negative length {length}.");
        RequireAll(primitive, length, new LengthGeometry(length), operands);
    }

    /// <summary>
    /// <see cref="Backend.AddBias"/> and <see cref="Backend.BiasBackward"/>: sizes not negative,
    /// the (outer, channels, inner) block outer·channels·inner elements and the bias vector channels.
    /// </summary>
    public static void Bias(string primitive, int outer, int channels, int inner, DeviceBuffer block, string blockName, DeviceBuffer bias, string biasName)
    {
        var at = new BiasGeometry(outer, channels, inner);
        Require(primitive, blockName, block, Product(primitive, at, outer, channels, inner), at);
        Require(primitive, biasName, bias, channels, at);
    }

    /// <summary><see cref="Backend.Sum"/>: <paramref name="length"/> not negative, x that long, result one element.</summary>
    public static void Sum(int length, DeviceBuffer x, DeviceBuffer result)
    {
        Elementwise(nameof(Sum), length, (x, "x"));
        Require(nameof(Sum), "result", result, 1, new LengthGeometry(length));
    }

    /// <summary>
    /// A row-wise primitive over a (rows, cols) matrix (<see cref="Backend.LogSoftmax"/> and its
    /// backward): sizes not negative and every operand a float32 buffer of rows·cols elements.
    /// </summary>
    public static void Rows(string primitive, int rows, int cols, params ReadOnlySpan<(DeviceBuffer Buffer, string Name)> operands)
    {
        var at = new RowsGeometry(rows, cols, "cols");
        RequireAll(primitive, Product(primitive, at, rows, cols), at, operands);
    }

    /// <summary><see cref="Backend.ArgMaxRows"/>: x rows·cols floats, indices rows int32.</summary>
    public static void ArgMaxRows(int rows, int cols, DeviceBuffer x, DeviceBuffer indices)
    {
        Rows(nameof(ArgMaxRows), rows, cols, (x, "x"));
        Require(nameof(ArgMaxRows), "indices", indices, rows, new RowsGeometry(rows, cols, "cols"), DType.Int32);
    }

    // ---- losses ------------------------------------------------------------------------------------

    /// <summary>
    /// <see cref="Backend.SoftmaxCrossEntropyForward"/>: logits and probabilities rows·classes,
    /// labels int32 with one per row, loss one element. Whether each label lies in [0, classes) is a
    /// check of the data, left to the backend.
    /// </summary>
    public static void SoftmaxCrossEntropyForward(int rows, int classes, DeviceBuffer logits, DeviceBuffer labels,
        DeviceBuffer loss, DeviceBuffer probabilities) =>
        CrossEntropy(nameof(SoftmaxCrossEntropyForward), rows, classes, (logits, "logits"), (probabilities, "probabilities"), labels, (loss, "loss"));

    /// <summary><see cref="Backend.SoftmaxCrossEntropyBackward"/>: probabilities and dlogits rows·classes, labels int32 rows, dloss one element.</summary>
    public static void SoftmaxCrossEntropyBackward(int rows, int classes, DeviceBuffer probabilities, DeviceBuffer labels,
        DeviceBuffer dloss, DeviceBuffer dlogits) =>
        CrossEntropy(nameof(SoftmaxCrossEntropyBackward), rows, classes, (probabilities, "probabilities"), (dlogits, "dlogits"), labels, (dloss, "dloss"));

    private static void CrossEntropy(string op, int rows, int classes, (DeviceBuffer, string) first, (DeviceBuffer, string) second,
        DeviceBuffer labels, (DeviceBuffer Buffer, string Name) scalar)
    {
        var at = new RowsGeometry(rows, classes, "classes");
        RequireAll(op, Product(op, at, rows, classes), at, [first, second]);
        Require(op, "labels", labels, rows, at, DType.Int32);
        Require(op, scalar.Name, scalar.Buffer, 1, at);
    }

    /// <summary><see cref="Backend.KlDivergenceForward"/>: the two logits, logP and logQ rows·classes, loss one element.</summary>
    public static void KlDivergenceForward(int rows, int classes, DeviceBuffer targetLogits, DeviceBuffer inputLogits,
        DeviceBuffer loss, DeviceBuffer logP, DeviceBuffer logQ)
    {
        const string op = nameof(KlDivergenceForward);
        var at = new RowsGeometry(rows, classes, "classes");
        RequireAll(op, Product(op, at, rows, classes), at, [(targetLogits, "targetLogits"), (inputLogits, "inputLogits"), (logP, "logP"), (logQ, "logQ")]);
        Require(op, "loss", loss, 1, at);
    }

    /// <summary><see cref="Backend.KlDivergenceBackward"/>: logP, logQ and the outputs that are given rows·classes, dloss one element.</summary>
    public static void KlDivergenceBackward(int rows, int classes, DeviceBuffer logP, DeviceBuffer logQ, DeviceBuffer dloss,
        DeviceBuffer? dTarget, DeviceBuffer? dInput)
    {
        const string op = nameof(KlDivergenceBackward);
        var at = new RowsGeometry(rows, classes, "classes");
        long size = Product(op, at, rows, classes);
        RequireAll(op, size, at, [(logP, "logP"), (logQ, "logQ")]);
        RequireIfGiven(op, "dTarget", dTarget, size, at);
        RequireIfGiven(op, "dInput", dInput, size, at);
        Require(op, "dloss", dloss, 1, at);
    }

    // ---- LoRA ----------------------------------------------------------------------------------------

    /// <summary>
    /// <see cref="LoraGemm.Merge"/>: sizes not negative, w and wOut outRows·inCols, the factors
    /// B outRows·rank and A rank·inCols.
    /// </summary>
    public static void LoraMerge(int outRows, int rank, int inCols, DeviceBuffer w, DeviceBuffer b, DeviceBuffer a, DeviceBuffer wOut)
    {
        const string op = nameof(LoraMerge);
        var at = new LoraGeometry(outRows, rank, inCols);
        RequireAll(op, Product(op, at, outRows, inCols), at, [(w, "w"), (wOut, "wOut")]);
        LoraFactors(op, at, b, "b", a, "a");
    }

    /// <summary>
    /// <see cref="LoraGemm.Backward"/>: sizes not negative, dW outRows·inCols, the factors
    /// B and A, and the gradients that are given the size of their factor.
    /// </summary>
    public static void LoraMergeBackward(int outRows, int rank, int inCols, DeviceBuffer dW, DeviceBuffer b, DeviceBuffer a,
        DeviceBuffer? dB, DeviceBuffer? dA)
    {
        const string op = nameof(LoraMergeBackward);
        var at = new LoraGeometry(outRows, rank, inCols);
        Require(op, "dW", dW, Product(op, at, outRows, inCols), at);
        var (bSize, aSize) = LoraFactors(op, at, b, "b", a, "a");
        RequireIfGiven(op, "dB", dB, bSize, at);
        RequireIfGiven(op, "dA", dA, aSize, at);
    }

    private static (long B, long A) LoraFactors(string op, LoraGeometry at, DeviceBuffer b, string bName, DeviceBuffer a, string aName)
    {
        long bSize = Product(op, at, at.OutRows, at.Rank);
        long aSize = Product(op, at, at.Rank, at.InCols);
        Require(op, bName, b, bSize, at);
        Require(op, aName, a, aSize, at);
        return (bSize, aSize);
    }

    // ---- optimisation ---------------------------------------------------------------------------------

    /// <summary><see cref="Backend.PgdStep"/>: x, grad, x0 and xOut of <paramref name="length"/> floats.</summary>
    public static void PgdStep(int length, DeviceBuffer x, DeviceBuffer grad, DeviceBuffer x0, DeviceBuffer xOut) =>
        Elementwise(nameof(PgdStep), length, (x, "x"), (grad, "grad"), (x0, "x0"), (xOut, "xOut"));

    /// <summary><see cref="Backend.SgdMomentumUpdate"/>: param, grad and velocity of <paramref name="length"/> floats.</summary>
    public static void SgdMomentumUpdate(int length, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity) =>
        Elementwise(nameof(SgdMomentumUpdate), length, (param, "param"), (grad, "grad"), (velocity, "velocity"));
}
