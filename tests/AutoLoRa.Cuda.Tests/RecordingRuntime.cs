using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// A device runtime that runs nothing: each launch is recorded with a copy of every argument's
/// bytes, read through the <c>void**</c> array with the width the kernel's .cu declaration gives
/// (<see cref="KernelTable"/>), exactly as cuLaunchKernel would read it. Everything else throws.
/// </summary>
internal sealed unsafe class RecordingRuntime : IDeviceRuntime
{
    public sealed record Launched(string Kernel, Dim3 Grid, Dim3 Block, uint SharedBytes, byte[][] Arguments);

    public List<Launched> Launches { get; } = [];

    public string Name => "recording";

    public int MultiprocessorCount => 4;

    public void Launch(string kernel, Dim3 grid, Dim3 block, uint sharedBytes, void** args)
    {
        var parameters = KernelTable.Of(kernel).Parameters;
        var copies = new byte[parameters.Count][];
        for (int i = 0; i < copies.Length; i++) copies[i] = new ReadOnlySpan<byte>(args[i], parameters[i].Bytes).ToArray();
        Launches.Add(new(kernel, grid, block, sharedBytes, copies));
    }

    public void Dispose()
    {
    }

    public ulong Allocate(nuint bytes) => throw Unused();
    public void Free(ulong pointer) => throw Unused();
    public void CopyToDevice(ulong destination, void* source, nuint bytes) => throw Unused();
    public void CopyToHost(void* destination, ulong source, nuint bytes) => throw Unused();
    public void CopyDeviceToDevice(ulong destination, ulong source, nuint bytes) => throw Unused();
    public void Fill32(ulong destination, uint value, nuint count) => throw Unused();
    public void Synchronize() => throw Unused();

    public void Sgemm(BlasOp transA, BlasOp transB, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb,
        float beta, ulong c, int ldc) => throw Unused();

    public void SgemmStridedBatched(BlasOp transA, BlasOp transB, int m, int n, int k, float alpha, ulong a, int lda, long strideA,
        ulong b, int ldb, long strideB, float beta, ulong c, int ldc, long strideC, int batch) => throw Unused();

    public void ConvolutionForward(in TensorDesc xDesc, ulong x, in FilterDesc wDesc, ulong w, in ConvDesc conv, in TensorDesc yDesc, ulong y) => throw Unused();
    public void ConvolutionBackwardData(in FilterDesc wDesc, ulong w, in TensorDesc dyDesc, ulong dy, in ConvDesc conv, in TensorDesc dxDesc, ulong dx) => throw Unused();
    public void ConvolutionBackwardFilter(in TensorDesc xDesc, ulong x, in TensorDesc dyDesc, ulong dy, in ConvDesc conv, in FilterDesc dwDesc, ulong dw) => throw Unused();

    public void BatchNormForwardTraining(in TensorDesc xDesc, ulong x, ulong y, ulong scale, ulong bias, double exponentialAverageFactor,
        ulong runningMean, ulong runningVariance, double epsilon, ulong saveMean, ulong saveInvVariance) => throw Unused();

    public void BatchNormForwardInference(in TensorDesc xDesc, ulong x, ulong y, ulong scale, ulong bias,
        ulong estimatedMean, ulong estimatedVariance, double epsilon) => throw Unused();

    public void BatchNormBackward(in TensorDesc xDesc, ulong x, ulong dy, ulong dx, ulong scale, ulong dScale, ulong dBias,
        double epsilon, ulong savedMean, ulong savedInvVariance) => throw Unused();

    public void PoolingForward(in PoolDesc pool, in TensorDesc xDesc, ulong x, in TensorDesc yDesc, ulong y) => throw Unused();
    public void PoolingBackward(in PoolDesc pool, in TensorDesc yDesc, ulong y, ulong dy, in TensorDesc xDesc, ulong x, ulong dx) => throw Unused();

    private static NotSupportedException Unused() => new("RecordingRuntime only records kernel launches.");
}
