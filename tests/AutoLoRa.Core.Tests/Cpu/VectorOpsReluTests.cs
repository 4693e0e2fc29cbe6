using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The convolution output stages' ReLU (<see cref="IVectorOps{TV}.Relu"/>) at every width: the bits of
/// the scalar tail's <see cref="MathF.Max(float, float)"/> with 0 for every kind of float, NaN and both
/// zeros included, where the x86 instruction alone would keep a NaN's second operand and −0. The 512-bit
/// width runs in software where the CPU lacks AVX-512, so its fallback is checked there.
/// </summary>
[Trait("Backend", "cpu")]
public sealed unsafe class VectorOpsReluTests
{
    private static readonly float[] Values =
    [
        float.NaN, -0f, 0f, -1f, 2.5f, float.NegativeInfinity, float.PositiveInfinity, float.Epsilon, -float.Epsilon,
        float.MaxValue, float.MinValue, -3e-39f, 3e-39f, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC12345)), 1e-3f, -1e-3f,
    ];

    [Fact]
    public void Relu_at_128_bits_has_the_scalar_bits() => Check<Vector128<float>, Vector128Ops>();

    [Fact]
    public void Relu_at_256_bits_has_the_scalar_bits() => Check<Vector256<float>, Vector256Ops>();

    [Fact]
    public void Relu_at_512_bits_has_the_scalar_bits() => Check<Vector512<float>, Vector512Ops>();

    private static void Check<TV, TOps>() where TV : struct where TOps : IVectorOps<TV>
    {
        int lanes = Unsafe.SizeOf<TV>() / sizeof(float);
        var output = new float[lanes];
        for (int first = 0; first < Values.Length; first += lanes)
        {
            var input = Enumerable.Range(first, lanes).Select(i => Values[i % Values.Length]).ToArray();
            fixed (float* source = input, destination = output) TOps.Store(TOps.Relu(TOps.Load(source)), destination);
            for (int i = 0; i < lanes; i++)
            {
                float expected = MathF.Max(input[i], 0f);
                if (float.IsNaN(expected)) Assert.True(float.IsNaN(output[i]), $"relu({input[i]}) = {output[i]}, expected NaN");
                else Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(output[i]));
            }
        }
    }
}
