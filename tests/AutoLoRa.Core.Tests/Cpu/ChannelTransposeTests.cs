using System.Runtime.Intrinsics;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cpu.Convolution;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>The Winograd stages' channel transposes (16×16 on AVX-512, 8×8 on AVX2), between any row strides and in place.</summary>
[Trait("Backend", "cpu")]
public sealed unsafe class ChannelTransposeTests
{
    // lanes, sourceStride, destinationStride in floats; 0, 0 is in place (lanes and lanes, one buffer). A width
    // this CPU lacks is left out; on a CPU with neither the only row checks that.
    public static TheoryData<int, int, int> Strides()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (lanes, supported) in new[] { (16, Vector512Ops.IsSupported), (8, Vector256Ops.IsSupported) })
        {
            if (!supported) continue;
            data.Add(lanes, lanes, lanes);
            data.Add(lanes, 1024, lanes); // the interleave: planes of 32×32 into a channel-interleaved row
            data.Add(lanes, 20, 37); // strides off the vector width (unaligned rows)
            data.Add(lanes, 0, 0);
        }
        if (data.Count == 0) data.Add(-1, -1, -1);
        return data;
    }

    [Theory]
    [MemberData(nameof(Strides))]
    public void Copy_transposes_between_any_strides(int lanes, int sourceStride, int destinationStride)
    {
        if (lanes < 0)
        {
            Assert.False(Vector256Ops.IsSupported || Vector512Ops.IsSupported);
            return;
        }
        bool inPlace = sourceStride == 0;
        int from = inPlace ? lanes : sourceStride, to = inPlace ? lanes : destinationStride;
        float[] source = TestData.Uniform((lanes - 1) * from + lanes, 71);
        float[] destination = inPlace ? source.ToArray() : Enumerable.Repeat(float.NaN, (lanes - 1) * to + lanes).ToArray();
        fixed (float* s = source)
        fixed (float* d = destination)
        {
            float* input = inPlace ? d : s;
            if (lanes == 16) Transpose16.Copy(input, from, new StridedRows<Vector512<float>, Vector512Ops>(d, to));
            else Transpose8.Copy(input, from, new StridedRows<Vector256<float>, Vector256Ops>(d, to));
        }
        for (int i = 0; i < lanes; i++)
        {
            for (int j = 0; j < lanes; j++) Assert.Equal(source[i * from + j], destination[j * to + i]);
        }
    }
}
