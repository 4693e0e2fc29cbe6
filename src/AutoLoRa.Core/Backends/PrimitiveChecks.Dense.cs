namespace AutoLoRa.Core.Backends;

/// <summary>Checks of GEMM, convolution, batch-norm and pooling.</summary>
public static partial class PrimitiveChecks
{
    // ---- GEMM ------------------------------------------------------------------------------------

    /// <summary>
    /// <see cref="Backend.Gemm"/>: sizes not negative; each matrix float32, its row stride at least
    /// its row length as stored (before the transpose), its offset not negative and offset + extent
    /// within its buffer. An empty matrix (a zero size) reads nothing and is not checked further.
    /// </summary>
    public static void Gemm(bool transA, bool transB, int m, int n, int k,
        BufferSlice a, int lda, BufferSlice b, int ldb, BufferSlice c, int ldc) =>
        CheckGemm(nameof(Gemm), new GemmGeometry(transA, transB, m, n, k, lda, ldb, ldc, 0, 0, 0, Batch: 1, Batched: false), a, b, c);

    /// <summary>
    /// <see cref="Backend.GemmStridedBatched"/>: as <see cref="Gemm"/>, plus strides and batch not
    /// negative and the last matrix of each operand, (batch − 1)·stride further on, within its buffer.
    /// </summary>
    public static void GemmStridedBatched(bool transA, bool transB, int m, int n, int k,
        BufferSlice a, int lda, long strideA, BufferSlice b, int ldb, long strideB,
        BufferSlice c, int ldc, long strideC, int batch) =>
        CheckGemm(nameof(GemmStridedBatched), new GemmGeometry(transA, transB, m, n, k, lda, ldb, ldc, strideA, strideB, strideC, batch, Batched: true), a, b, c);

    /// <summary>
    /// <see cref="Backend.LinearForward"/>: the GEMM x·Wᵀ's checks (x rows × in, W out × in, y
    /// rows × out, each row stride its width) and a bias of out values.
    /// </summary>
    public static void LinearForward(int rows, int inFeatures, int outFeatures, DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, DeviceBuffer y)
    {
        const string op = nameof(Backend.LinearForward);
        var g = new GemmGeometry(false, true, rows, outFeatures, inFeatures, inFeatures, inFeatures, outFeatures, 0, 0, 0, Batch: 1, Batched: false);
        if (rows < 0 || inFeatures < 0 || outFeatures < 0) throw new BackendException($"{op}: sizes must not be negative ({g}).");
        // Whole row-major matrices, each row stride its width: the leading dimensions cannot be short.
        Matrix(op, "x", "inFeatures", x, rows, inFeatures, inFeatures, 0, g);
        Matrix(op, "w", "inFeatures", w, outFeatures, inFeatures, inFeatures, 0, g);
        Matrix(op, "y", "outFeatures", y, rows, outFeatures, outFeatures, 0, g);
        Require(op, "bias", bias, outFeatures, g);
    }

    private static void CheckGemm(string op, in GemmGeometry g, BufferSlice a, BufferSlice b, BufferSlice c)
    {
        if (g.M < 0 || g.N < 0 || g.K < 0 || g.Batch < 0) throw new BackendException($"{op}: sizes must not be negative ({g}).");
        if (g.StrideA < 0 || g.StrideB < 0 || g.StrideC < 0) throw new BackendException($"{op}: strides must not be negative ({g}).");
        // Row-major storage: A is m×k (k×m when transposed), B is k×n (n×k), C is m×n.
        Matrix(op, "a", "lda", a, g.TransA ? g.K : g.M, g.TransA ? g.M : g.K, g.Lda, g.StrideA, g);
        Matrix(op, "b", "ldb", b, g.TransB ? g.N : g.K, g.TransB ? g.K : g.N, g.Ldb, g.StrideB, g);
        Matrix(op, "c", "ldc", c, g.M, g.N, g.Ldc, g.StrideC, g);
    }

    private static void Matrix(string op, string operand, string ldName, BufferSlice slice, int rows, int cols, int ld, long stride, in GemmGeometry g)
    {
        var buffer = slice.Buffer;
        ArgumentNullException.ThrowIfNull(buffer, operand);
        if (buffer.DType != DType.Float32) throw new BackendException($"{op}: {operand} must be a {DType.Float32} buffer, got {buffer.DType} ({g}).");
        if (slice.Offset < 0) throw new BackendException($"{op}: {operand} starts at negative offset {slice.Offset} ({g}).");
        if (rows == 0 || cols == 0 || g.Batch == 0) return;
        if (ld < cols) throw new BackendException($"{op}: {ldName} = {ld} is smaller than the row length {cols} of {operand} as stored ({g}).");
        // Int128: (batch − 1)·stride may not fit a long; the sum is compared, never narrowed.
        Int128 needed = (Int128)slice.Offset + (long)(rows - 1) * ld + cols + (Int128)(g.Batch - 1) * stride;
        if (buffer.Length < needed)
        {
            throw new BackendException($"{op}: {operand} has {buffer.Length} elements, expected {needed} for {g} (offset {slice.Offset}).");
        }
    }

    private readonly record struct GemmGeometry(bool TransA, bool TransB, int M, int N, int K, int Lda, int Ldb, int Ldc,
        long StrideA, long StrideB, long StrideC, int Batch, bool Batched)
    {
        public override string ToString()
        {
            string shape = $"{(TransA ? "Aᵀ" : "A")}·{(TransB ? "Bᵀ" : "B")} with m = {M}, n = {N}, k = {K}, lda = {Lda}, ldb = {Ldb}, ldc = {Ldc}";
            return Batched ? $"{shape}, strides {StrideA}/{StrideB}/{StrideC}, batch = {Batch}" : shape;
        }
    }

    // ---- convolution -----------------------------------------------------------------------------

    /// <summary><see cref="Backend.Conv2dForward"/>: geometry, x (N, C, H, W), w (K, C, R, S), y (N, K, OutH, OutW), bias K when given.</summary>
    public static void Conv2dForward(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer y)
    {
        Convolution(nameof(Conv2dForward), g, x, "x", w, "w", y, "y");
        RequireIfGiven(nameof(Conv2dForward), "bias", bias, g.K, g);
    }

    /// <summary><see cref="Backend.Conv2dBackwardData"/>: geometry, dy, w and dx as in the forward pass.</summary>
    public static void Conv2dBackwardData(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) =>
        Convolution(nameof(Conv2dBackwardData), g, dx, "dx", w, "w", dy, "dy");

    /// <summary><see cref="Backend.Conv2dForwardFused"/>: as the forward pass, residual shaped as y when given and apart from it.</summary>
    public static void Conv2dForwardFused(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer? residual, DeviceBuffer y)
    {
        const string op = nameof(Backend.Conv2dForwardFused);
        Convolution(op, g, x, "x", w, "w", y, "y");
        RequireIfGiven(op, "bias", bias, g.K, g);
        RequireIfGiven(op, "residual", residual, Count(op, g, g.N, g.K, g.OutH, g.OutW), g);
        Apart(op, y, "y", x, "x", residual, "residual");
    }

    /// <summary><see cref="Backend.Conv2dBackwardDataFused"/>: as the data gradient, addend and mask shaped as dx when given and apart from it.</summary>
    public static void Conv2dBackwardDataFused(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer? addend, DeviceBuffer? mask, DeviceBuffer dx)
    {
        const string op = nameof(Backend.Conv2dBackwardDataFused);
        Convolution(op, g, dx, "dx", w, "w", dy, "dy");
        long length = Count(op, g, g.N, g.C, g.H, g.W);
        RequireIfGiven(op, "addend", addend, length, g);
        RequireIfGiven(op, "mask", mask, length, g);
        Apart(op, dx, "dx", dy, "dy", addend, "addend");
        Apart(op, dx, "dx", mask, "mask", null, "");
    }

    /// <summary>The output of a fused convolution is written while its other operands are still read: it may alias none of them.</summary>
    private static void Apart(string op, DeviceBuffer output, string outputName, DeviceBuffer? first, string firstName, DeviceBuffer? second, string secondName)
    {
        if (ReferenceEquals(output, first)) throw new BackendException($"{op}: {outputName} must not be the same buffer as {firstName}.");
        if (ReferenceEquals(output, second)) throw new BackendException($"{op}: {outputName} must not be the same buffer as {secondName}.");
    }

    /// <summary><see cref="Backend.Conv2dBackwardFilter"/>: geometry, x, dy and dw as in the forward pass.</summary>
    public static void Conv2dBackwardFilter(in ConvGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) =>
        Convolution(nameof(Conv2dBackwardFilter), g, x, "x", dw, "dw", dy, "dy");

    private static void Convolution(string op, in ConvGeometry g, DeviceBuffer x, string xName, DeviceBuffer w, string wName, DeviceBuffer y, string yName)
    {
        g.Validate();
        Require(op, xName, x, Count(op, g, g.N, g.C, g.H, g.W), g);
        Require(op, wName, w, Count(op, g, g.K, g.C, g.R, g.S), g);
        Require(op, yName, y, Count(op, g, g.N, g.K, g.OutH, g.OutW), g);
    }

    // ---- batch-norm ------------------------------------------------------------------------------

    /// <summary>
    /// <see cref="Backend.BatchNormForwardTraining"/>: positive sizes, more than one value per
    /// channel (N·HW ≥ 2, or the variance is undefined), x and y N·C·HW, the six statistics C.
    /// </summary>
    public static void BatchNormForwardTraining(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer y, DeviceBuffer runningMean, DeviceBuffer runningVar, DeviceBuffer saveMean, DeviceBuffer saveInvStd)
    {
        const string op = nameof(BatchNormForwardTraining);
        var at = new PlaneGeometry(n, c, hw);
        long size = Count(op, at, n, c, hw);
        if ((long)n * hw < 2) throw new BackendException($"{op}: training-mode batch-norm needs more than one value per channel ({at}).");
        RequireAll(op, size, at, [(x, "x"), (y, "y")]);
        RequireAll(op, c, at, [(gamma, "gamma"), (beta, "beta"), (runningMean, "runningMean"), (runningVar, "runningVar"),
            (saveMean, "saveMean"), (saveInvStd, "saveInvStd")]);
    }

    /// <summary><see cref="Backend.BatchNormForwardInference"/>: positive sizes, x and y N·C·HW, the four per-channel vectors C.</summary>
    public static void BatchNormForwardInference(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer runningMean, DeviceBuffer runningVar, DeviceBuffer y)
    {
        const string op = nameof(BatchNormForwardInference);
        var at = new PlaneGeometry(n, c, hw);
        long size = Count(op, at, n, c, hw);
        RequireAll(op, size, at, [(x, "x"), (y, "y")]);
        RequireAll(op, c, at, [(gamma, "gamma"), (beta, "beta"), (runningMean, "runningMean"), (runningVar, "runningVar")]);
    }

    /// <summary><see cref="Backend.BatchNormBackward"/>: positive sizes, x, dy and dx N·C·HW, the five per-channel vectors C.</summary>
    public static void BatchNormBackward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer gamma,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta)
    {
        const string op = nameof(BatchNormBackward);
        var at = new PlaneGeometry(n, c, hw);
        long size = Count(op, at, n, c, hw);
        RequireAll(op, size, at, [(x, "x"), (dy, "dy"), (dx, "dx")]);
        RequireAll(op, c, at, [(gamma, "gamma"), (saveMean, "saveMean"), (saveInvStd, "saveInvStd"), (dgamma, "dgamma"), (dbeta, "dbeta")]);
    }

    // ---- pooling ---------------------------------------------------------------------------------

    /// <summary><see cref="Backend.MaxPool2dForward"/>: geometry, x and y, argmax int32 with one index per output.</summary>
    public static void MaxPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax)
    {
        Pooling(nameof(MaxPool2dForward), g, x, "x", y, "y");
        Require(nameof(MaxPool2dForward), "argmax", argmax, (long)g.N * g.C * g.OutH * g.OutW, g, DType.Int32);
    }

    /// <summary>
    /// <see cref="Backend.MaxPool2dBackward"/>: geometry, dy and dx, argmax int32. Whether each index
    /// lies in its plane is a check of the data, left to the backend.
    /// </summary>
    public static void MaxPool2dBackward(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx)
    {
        Pooling(nameof(MaxPool2dBackward), g, dx, "dx", dy, "dy");
        Require(nameof(MaxPool2dBackward), "argmax", argmax, (long)g.N * g.C * g.OutH * g.OutW, g, DType.Int32);
    }

    /// <summary><see cref="Backend.AvgPool2dForward"/>: geometry, x (N, C, H, W) and y (N, C, OutH, OutW).</summary>
    public static void AvgPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y) =>
        Pooling(nameof(AvgPool2dForward), g, x, "x", y, "y");

    /// <summary><see cref="Backend.AvgPool2dBackward"/>: geometry, x and dx (N, C, H, W), dy (N, C, OutH, OutW).</summary>
    public static void AvgPool2dBackward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx)
    {
        Pooling(nameof(AvgPool2dBackward), g, dx, "dx", dy, "dy");
        Pooling(nameof(AvgPool2dBackward), g, x, "x", dy, "dy");
    }

    /// <summary><see cref="Backend.GlobalAvgPoolForward"/>: positive sizes, x N·C·HW, y N·C.</summary>
    public static void GlobalAvgPoolForward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y)
    {
        const string op = nameof(GlobalAvgPoolForward);
        var at = new PlaneGeometry(n, c, hw);
        Require(op, "x", x, Count(op, at, n, c, hw), at);
        Require(op, "y", y, (long)n * c, at);
    }

    /// <summary><see cref="Backend.GlobalAvgPoolBackward"/>: positive sizes, dy N·C, dx N·C·HW.</summary>
    public static void GlobalAvgPoolBackward(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx)
    {
        const string op = nameof(GlobalAvgPoolBackward);
        var at = new PlaneGeometry(n, c, hw);
        long size = Count(op, at, n, c, hw);
        Require(op, "dy", dy, (long)n * c, at);
        Require(op, "dx", dx, size, at);
    }

    private static void Pooling(string op, in PoolGeometry g, DeviceBuffer input, string inputName, DeviceBuffer output, string outputName)
    {
        g.Validate();
        Require(op, inputName, input, Count(op, g, g.N, g.C, g.H, g.W), g);
        Require(op, outputName, output, Count(op, g, g.N, g.C, g.OutH, g.OutW), g);
    }
}
