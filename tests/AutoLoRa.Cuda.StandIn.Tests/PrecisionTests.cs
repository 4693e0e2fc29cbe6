using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Conformance;
using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cuda.StandIn.Tests;

/// <summary>
/// <see cref="NativeRuntime"/>'s precision through the stand-ins, which model the math modes as the
/// libraries document them: cuBLAS rounds to TF32 only under CUBLAS_TF32_TENSOR_OP_MATH (its default
/// math keeps FP32 routines FP32), cuDNN rounds FP32 convolutions on sm_80 and later unless the math
/// type is CUDNN_FMA_MATH. So FP32 fails here unless the runtime sets FMA on every convolution, and
/// TF32 fails unless it sets the TF32 math mode on its cuBLAS handle.
/// </summary>
[Collection(StandInStateCollection.Name)]
[Trait("Backend", "cuda-standin")]
public sealed class PrecisionTests
{
    /// <summary>1 + 2^-20: exact in FP32, and 1 in TF32 (below the 10th mantissa bit, under half of it).</summary>
    private static readonly float Fine = 1 + MathF.Pow(2, -20);

    [SkippableStandInFact]
    public void Fp32_keeps_every_input_bit_of_gemm_and_convolution()
    {
        var (gemm, forward, data, filter) = Products(MatrixPrecision.Fp32, out var precision, out var blasMath);
        Assert.Equal(MatrixPrecision.Fp32, precision);
        Assert.Equal("CUBLAS_DEFAULT_MATH", blasMath);
        Assert.Equal(Fine, gemm);
        Assert.Equal(Fine, forward);
        Assert.Equal(Fine, data);
        Assert.Equal(Fine, filter);
    }

    [SkippableStandInFact]
    public void Tf32_rounds_the_inputs_of_gemm_and_convolution()
    {
        var (gemm, forward, data, filter) = Products(MatrixPrecision.Tf32, out var precision, out var blasMath);
        Assert.Equal(MatrixPrecision.Tf32, precision);
        Assert.Equal("CUBLAS_TF32_TENSOR_OP_MATH", blasMath);
        Assert.Equal(1f, gemm);
        Assert.Equal(1f, forward);
        Assert.Equal(1f, data);
        Assert.Equal(1f, filter);
    }

    [SkippableStandInFact]
    public void The_stand_in_rounds_as_Tf32_Round_does()
    {
        // One row times many columns: C[j] = a·b[j], each product of two rounded inputs exact in double.
        const int n = 4096;
        var random = new Random(5);
        float a = (float)(random.NextDouble() * 2 - 1);
        var b = Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-30, 30)))).ToArray();
        using var backend = new CudaBackend(new NativeRuntime(0, MatrixPrecision.Tf32));
        var da = backend.Allocate(1);
        var db = backend.Allocate(n);
        var dc = backend.Allocate(n);
        backend.Upload([a], da);
        backend.Upload(b, db);
        backend.Gemm(false, false, 1, n, 1, 1f, da, 1, db, n, 0f, dc, n);
        var c = new float[n];
        backend.Download(dc, c);
        for (int j = 0; j < n; j++) Assert.Equal((float)((double)Tf32.Round(a) * Tf32.Round(b[j])), c[j]);
    }

    [SkippableStandInFact]
    public void A_device_without_tf32_tensor_cores_computes_fp32_when_asked_for_tf32()
    {
        StandInMachine.MakeContextCurrent();
        StandInMachine.Set("device_sm", 70);
        try
        {
            var (gemm, forward, _, _) = Products(MatrixPrecision.Tf32, out var precision, out _);
            Assert.Equal(MatrixPrecision.Fp32, precision);
            Assert.Equal(Fine, gemm);
            Assert.Equal(Fine, forward);
        }
        finally
        {
            StandInMachine.Set("device_sm", 80);
        }
    }

    /// <summary>
    /// 1×1 products of <see cref="Fine"/> and 1 in <paramref name="asked"/>: a GEMM, and a 1×1
    /// convolution's forward, data and filter gradients, with the precision the runtime settled on
    /// and the math mode its cuBLAS handle reports.
    /// </summary>
    private static (float Gemm, float Forward, float Data, float Filter) Products(MatrixPrecision asked, out MatrixPrecision precision, out string blasMath)
    {
        var runtime = new NativeRuntime(0, asked);
        using var backend = new CudaBackend(runtime);
        precision = backend.Precision;
        blasMath = runtime.BlasMathMode;
        var g = new ConvGeometry(1, 1, 1, 1, 1, 1, 1);
        var fine = backend.Allocate(1);
        var one = backend.Allocate(1);
        var output = new[] { backend.Allocate(1), backend.Allocate(1), backend.Allocate(1), backend.Allocate(1) };
        backend.Upload([Fine], fine);
        backend.Upload([1f], one);
        backend.Gemm(false, false, 1, 1, 1, 1f, fine, 1, one, 1, 0f, output[0], 1);
        backend.Conv2dForward(g, fine, one, null, output[1]);
        backend.Conv2dBackwardData(g, fine, one, output[2]);
        backend.Conv2dBackwardFilter(g, fine, one, output[3]);
        var values = output.Select(o =>
        {
            var host = new float[1];
            backend.Download(o, host);
            return host[0];
        }).ToArray();
        return (values[0], values[1], values[2], values[3]);
    }
}

/// <summary>The verification table's matrix-product cases over NativeRuntime in TF32, through the stand-ins (sm_80 profile).</summary>
[Trait("Backend", "cuda-standin")]
[StandInsRequired]
public sealed class StandInTf32TableTests() : Tf32TableTests(() => new CudaBackend(new NativeRuntime(0, MatrixPrecision.Tf32)));
