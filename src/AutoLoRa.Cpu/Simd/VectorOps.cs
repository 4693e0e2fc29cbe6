using System.Runtime.Intrinsics.X86;

namespace AutoLoRa.Cpu.Simd;

/// <summary>
/// The vector operations a register-blocked kernel needs, as static members of a struct, so that one
/// kernel written against <typeparamref name="TV"/> serves 128-, 256- and 512-bit vectors. A generic
/// method instantiated over a struct is compiled once per instantiation with these calls inlined, so
/// the instructions are the ones a kernel written for one width would get (checked by reading the
/// JIT's disassembly: the accumulators stay in registers).
/// </summary>
internal unsafe interface IVectorOps<TV> where TV : struct
{
    /// <summary>Whether this CPU runs these operations in hardware (and kernels over them should be chosen).</summary>
    static abstract bool IsSupported { get; }

    static abstract TV Broadcast(float value);

    static abstract TV Load(float* source);

    /// <summary>The half-width vector at <paramref name="lower"/> in the low lanes, the one at <paramref name="upper"/> in the high lanes.</summary>
    static abstract TV LoadHalves(float* lower, float* upper);

    static abstract void Store(TV value, float* destination);

    /// <summary>a · b + c, fused where the vector width has a fused form.</summary>
    static abstract TV MultiplyAdd(TV a, TV b, TV c);

    static abstract TV Multiply(TV a, TV b);

    static abstract TV Add(TV a, TV b);

    static abstract TV Subtract(TV a, TV b);

    /// <summary>
    /// max(<paramref name="value"/>, 0) with the bits of <see cref="MathF.Max(float, float)"/>: NaN stays
    /// NaN, −0 becomes +0. The portable Max gets those cases right with a compare-and-blend sequence
    /// (seven instructions on AVX2, read in the JIT's disassembly); x86's own max returns its second
    /// operand for a NaN or two zeros, so max(0, v) + 0 (two) gives the same bits.
    /// </summary>
    static abstract TV Relu(TV value);

    /// <summary><paramref name="value"/> where <paramref name="mask"/> is positive, else 0 (a ReLU's mask).</summary>
    static abstract TV KeepWherePositive(TV value, TV mask);

    static abstract float Sum(TV value);
}

/// <summary>AVX-512F: 16 floats per zmm register, 32 registers.</summary>
internal unsafe struct Vector512Ops : IVectorOps<Vector512<float>>
{
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* source) => Vector512.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> LoadHalves(float* lower, float* upper) => Vector512.Create(Vector256.Load(lower), Vector256.Load(upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, float* destination) => Vector512.Store(value, destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Relu(Vector512<float> value) => Avx512F.IsSupported
        ? Avx512F.Add(Avx512F.Max(Vector512<float>.Zero, value), Vector512<float>.Zero)
        : Vector512.Max(value, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> KeepWherePositive(Vector512<float> value, Vector512<float> mask) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(mask, Vector512<float>.Zero), value, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> value) => Vector512.Sum(value);
}

/// <summary>AVX2 + FMA: 8 floats per ymm register (16 registers without AVX-512, 32 with it).</summary>
internal unsafe struct Vector256Ops : IVectorOps<Vector256<float>>
{
    public static bool IsSupported => Vector256.IsHardwareAccelerated && Fma.IsSupported;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* source) => Vector256.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LoadHalves(float* lower, float* upper) => Vector256.Create(Vector128.Load(lower), Vector128.Load(upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, float* destination) => Vector256.Store(value, destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Relu(Vector256<float> value) => Avx.IsSupported
        ? Avx.Add(Avx.Max(Vector256<float>.Zero, value), Vector256<float>.Zero)
        : Vector256.Max(value, Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> KeepWherePositive(Vector256<float> value, Vector256<float> mask) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(mask, Vector256<float>.Zero), value, Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> value) => Vector256.Sum(value);
}

/// <summary>
/// 128-bit vectors, accelerated on every 64-bit target .NET supports. Multiply-add may or may not
/// fuse there (<see cref="Vector128.MultiplyAddEstimate(Vector128{float}, Vector128{float}, Vector128{float})"/>),
/// which the portable kernel's tests tolerate.
/// </summary>
internal unsafe struct Vector128Ops : IVectorOps<Vector128<float>>
{
    public static bool IsSupported => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* source) => Vector128.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> LoadHalves(float* lower, float* upper) => Vector128.Create(Vector64.Load(lower), Vector64.Load(upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, float* destination) => Vector128.Store(value, destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Relu(Vector128<float> value) => Sse.IsSupported
        ? Sse.Add(Sse.Max(Vector128<float>.Zero, value), Vector128<float>.Zero)
        : Vector128.Max(value, Vector128<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> KeepWherePositive(Vector128<float> value, Vector128<float> mask) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(mask, Vector128<float>.Zero), value, Vector128<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> value) => Vector128.Sum(value);
}
