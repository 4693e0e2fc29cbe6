using System.Runtime.Intrinsics.X86;

namespace AutoLoRa.Cpu.Simd;

/// <summary>
/// The even and odd floats of 16 consecutive ones with AVX2 (no two-source permute as AVX-512 has):
/// an in-lane shuffle takes the pairs from both sources, a cross-lane permute of 64-bit halves puts
/// them in order. A stride-2 layer's padding split (<see cref="Convolution.PaddedLayout"/>) and
/// gathers (<see cref="Convolution.Im2ColPanels.GatherRow"/>) run on them where AVX-512 is missing.
/// </summary>
internal static class EvenOdd
{
    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>[low₀, low₂, low₄, low₆, high₀, high₂, high₄, high₆].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Evens(Vector256<float> low, Vector256<float> high) =>
        Avx2.Permute4x64(Avx.Shuffle(low, high, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();

    /// <summary>[low₁, low₃, low₅, low₇, high₁, high₃, high₅, high₇].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Odds(Vector256<float> low, Vector256<float> high) =>
        Avx2.Permute4x64(Avx.Shuffle(low, high, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
}
