using System.Runtime.Intrinsics;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cpu.Convolution;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>The Winograd stages' 16×16 transpose, between any row strides and in place.</summary>
[Trait("Backend", "cpu")]
public sealed unsafe class Transpose16Tests
{
    // sourceStride, destinationStride in floats; 0, 0 is in place (16 and 16, one buffer). On a CPU
    // without AVX-512 the transpose never runs, and the only row checks that.
    public static TheoryData<int, int> Strides()
    {
        var data = new TheoryData<int, int>();
        if (!WinogradConvolution.IsSupported)
        {
            data.Add(-1, -1);
            return data;
        }
        data.Add(16, 16);
        data.Add(1024, 16); // the interleave: 16 planes of 32×32 into a channel-interleaved row
        data.Add(20, 37); // strides off the vector width (unaligned rows)
        data.Add(0, 0);
        return data;
    }

    [Theory]
    [MemberData(nameof(Strides))]
    public void Copy_transposes_between_any_strides(int sourceStride, int destinationStride)
    {
        if (sourceStride < 0)
        {
            Assert.False(WinogradConvolution.IsSupported);
            return;
        }
        bool inPlace = sourceStride == 0;
        int from = inPlace ? 16 : sourceStride, to = inPlace ? 16 : destinationStride;
        float[] source = TestData.Uniform(15 * from + 16, 71);
        float[] destination = inPlace ? source.ToArray() : Enumerable.Repeat(float.NaN, 15 * to + 16).ToArray();
        fixed (float* s = source)
        fixed (float* d = destination)
        {
            if (inPlace) Transpose16.InPlace((Vector512<float>*)d);
            else Transpose16.Copy(s, from, d, to);
        }
        for (int i = 0; i < 16; i++)
        {
            for (int j = 0; j < 16; j++) Assert.Equal(source[i * from + j], destination[j * to + i]);
        }
    }
}
