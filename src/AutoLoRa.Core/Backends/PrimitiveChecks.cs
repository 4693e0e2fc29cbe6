namespace AutoLoRa.Core.Backends;

/// <summary>
/// The argument checks of every <see cref="Backend"/> primitive, written once so that every
/// backend rejects the same calls with the same words. <see cref="Backend"/>'s public entry point
/// of a primitive calls the check named after it before the backend's implementation touches a
/// buffer (and <see cref="LoraGemm"/> before its GEMMs); what is left to a backend is resolving its
/// own buffer type (a CpuBuffer's arrays, a CudaBuffer's device pointer) and checks that read the
/// data (a label or argmax index out of range).
/// <para>
/// Every check is O(1) in the data size (a few comparisons per operand, no allocation on success).
/// A bad geometry record throws the <see cref="ArgumentException"/> of
/// <see cref="ConvGeometry.Validate"/> / <see cref="PoolGeometry.Validate"/>; everything else throws a
/// <see cref="BackendException"/> naming the primitive, the operand and the sizes, e.g.
/// "Conv2dForward: x has 10 elements, expected 12 for ConvGeometry { … }.". A null operand that the
/// contract requires throws <see cref="ArgumentNullException"/>.
/// </para>
/// The checks for each family of primitives live in their own partial file: dense (GEMM),
/// convolution, normalisation and pooling in PrimitiveChecks.Dense.cs; elementwise, reductions and
/// the fused primitives of the hot path in PrimitiveChecks.Fused.cs.
/// </summary>
public static partial class PrimitiveChecks
{
    /// <summary>
    /// Throws a <see cref="BackendException"/> naming <paramref name="primitive"/>, the operand and
    /// the geometry when <paramref name="buffer"/> is too short for it or holds the wrong element
    /// type, so a caller's mistake never surfaces as an index error deep inside a kernel.
    /// </summary>
    /// <param name="primitive">The primitive's name, first word of the message.</param>
    /// <param name="operand">The parameter's name in <see cref="Backend"/>.</param>
    /// <param name="buffer">The operand (null throws <see cref="ArgumentNullException"/>).</param>
    /// <param name="expected">The number of elements the primitive reads or writes.</param>
    /// <param name="geometry">Printed in the message; a struct, so a passing check costs no allocation.</param>
    /// <param name="dtype">The element type the primitive expects.</param>
    public static void Require<TGeometry>(string primitive, string operand, DeviceBuffer buffer, long expected, TGeometry geometry, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(buffer, operand);
        if (buffer.DType != dtype)
        {
            throw new BackendException($"{primitive}: {operand} must be a {dtype} buffer, got {buffer.DType} ({geometry}).");
        }
        if (buffer.Length < expected)
        {
            throw new BackendException($"{primitive}: {operand} has {buffer.Length} elements, expected {expected} for {geometry}.");
        }
    }

    /// <summary>
    /// Element count of a block with the given dimensions, every one of them positive, checked to
    /// fit one buffer (<see cref="Array.MaxLength"/> elements).
    /// </summary>
    public static long Count<TGeometry>(string primitive, TGeometry geometry, params ReadOnlySpan<int> dims)
    {
        long total = 1;
        foreach (int d in dims)
        {
            if (d <= 0) throw new BackendException($"{primitive}: every size must be positive ({geometry}).");
            total *= d;
            if (total > Array.MaxLength) throw TooLarge(primitive, geometry);
        }
        return total;
    }

    /// <summary>Like <see cref="Count"/>, but a zero size is allowed (the primitive then does nothing).</summary>
    private static long Product<TGeometry>(string primitive, TGeometry geometry, params ReadOnlySpan<int> dims)
    {
        long total = 1;
        foreach (int d in dims)
        {
            if (d < 0) throw new BackendException($"{primitive}: sizes must not be negative ({geometry}).");
            total *= d;
            if (total > Array.MaxLength) throw TooLarge(primitive, geometry);
        }
        return total;
    }

    private static BackendException TooLarge<TGeometry>(string primitive, TGeometry geometry) =>
        new($"{primitive}: {geometry} needs more than {Array.MaxLength} elements in one buffer.");

    /// <summary>Every operand holds at least <paramref name="length"/> float32 elements.</summary>
    private static void RequireAll<TGeometry>(string primitive, long length, TGeometry geometry, ReadOnlySpan<(DeviceBuffer Buffer, string Name)> operands)
    {
        foreach (var (buffer, name) in operands) Require(primitive, name, buffer, length, geometry);
    }

    /// <summary>An optional operand: checked when given.</summary>
    private static void RequireIfGiven<TGeometry>(string primitive, string operand, DeviceBuffer? buffer, long expected, TGeometry geometry)
    {
        if (buffer is not null) Require(primitive, operand, buffer, expected, geometry);
    }

    // ---- what the messages print ("for {geometry}"); structs, formatted only when a check fails ----

    /// <summary>The (N, C, HW) view of batch-norm and global pooling.</summary>
    private readonly record struct PlaneGeometry(int N, int C, int Hw);

    /// <summary>An elementwise call over <c>length</c> elements.</summary>
    private readonly struct LengthGeometry(long length)
    {
        public override string ToString() => $"{{ length = {length} }}";
    }

    /// <summary>A (rows, cols) matrix primitive; <c>colsName</c> is "cols" or "classes" as in the signature.</summary>
    private readonly struct RowsGeometry(int rows, int cols, string colsName)
    {
        public override string ToString() => $"{{ rows = {rows}, {colsName} = {cols} }}";
    }

    /// <summary>y viewed as (outer, channels, inner) with one bias per channel.</summary>
    private readonly record struct BiasGeometry(int Outer, int Channels, int Inner);

    /// <summary>The LoRA factors B (outRows × rank) and A (rank × inCols) of a weight outRows × inCols.</summary>
    private readonly record struct LoraGeometry(int OutRows, int Rank, int InCols);
}
