using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// The emulated runtime's cuBLAS and cuDNN in TF32 round every multiply's inputs to TF32, as the
/// stand-ins and Ampere's tensor cores do, and in FP32 keep them whole.
/// </summary>
[Trait("Backend", "cuda-emu")]
public sealed class EmulatedPrecisionTests
{
    [Theory]
    [InlineData(MatrixPrecision.Fp32)]
    [InlineData(MatrixPrecision.Tf32)]
    public void Gemm_and_convolutions_see_the_inputs_of_their_precision(MatrixPrecision precision)
    {
        // 1 + 3·2^-11 lies halfway between TF32's 1 + 2^-10 and 1 + 2^-9: ties go to the even 1 + 2^-9.
        float a = 1 + 3 * MathF.Pow(2, -11), b = 1 + MathF.Pow(2, -20);
        float expected = precision == MatrixPrecision.Tf32 ? (1 + MathF.Pow(2, -9)) * 1f : (float)((double)a * b);
        using var backend = new CudaBackend(new EmulatedRuntime(precision: precision));
        Assert.Equal(precision, backend.Precision);
        var g = new ConvGeometry(1, 1, 1, 1, 1, 1, 1);
        var da = backend.Allocate(1);
        var db = backend.Allocate(1);
        var outputs = Enumerable.Range(0, 4).Select(_ => backend.Allocate(1)).ToArray();
        backend.Upload([a], da);
        backend.Upload([b], db);
        backend.Gemm(false, false, 1, 1, 1, 1f, da, 1, db, 1, 0f, outputs[0], 1);
        backend.Conv2dForward(g, da, db, null, outputs[1]);
        backend.Conv2dBackwardData(g, da, db, outputs[2]);
        backend.Conv2dBackwardFilter(g, da, db, outputs[3]);
        foreach (var output in outputs)
        {
            var host = new float[1];
            backend.Download(output, host);
            Assert.Equal(expected, host[0]);
        }
    }

    [Fact]
    public void Tf32_round_goes_to_the_nearest_and_ties_to_even()
    {
        float ulp = MathF.Pow(2, -10); // TF32's spacing in [1, 2)
        Assert.Equal(1f, Tf32.Round(1 + ulp / 2));                  // tie, 1 is even
        Assert.Equal(1 + 2 * ulp, Tf32.Round(1 + 1.5f * ulp));      // tie, 1 + 2·ulp is even
        Assert.Equal(1 + ulp, Tf32.Round(1 + 0.75f * ulp));         // nearest, up
        Assert.Equal(-1 - ulp, Tf32.Round(-1 - 0.75f * ulp));       // sign kept
        Assert.Equal(1f, Tf32.Round(1 + 0.25f * ulp));              // nearest, down
        Assert.True(float.IsNaN(Tf32.Round(float.NaN)));
        Assert.Equal(float.PositiveInfinity, Tf32.Round(float.PositiveInfinity));
    }
}
