using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core;

/// <summary>
/// A convolution followed by an eval-mode batch-norm, with the batch-norm folded into the filter
/// (<see cref="Ops.FoldBatchNorm"/>): <see cref="Folded"/> = a·w and <see cref="Shift"/> = β − mean·a,
/// a = γ/√(var + ε). The ops that take it compute with the fold and differentiate with respect to
/// the original <see cref="Weight"/>, <see cref="Gamma"/> and <see cref="Beta"/>; the fold must be
/// that of the tensors given (the caller keeps it current).
/// </summary>
/// <param name="Weight">w (K, C, R, S).</param>
/// <param name="Gamma">The batch-norm's γ (K).</param>
/// <param name="Beta">The batch-norm's β (K).</param>
/// <param name="RunningMean">The batch-norm's running mean (K).</param>
/// <param name="RunningVar">The batch-norm's running variance (K).</param>
/// <param name="Stride">The convolution's stride in both directions.</param>
/// <param name="Padding">The convolution's zero padding on every side.</param>
/// <param name="Eps">The batch-norm's ε.</param>
/// <param name="Folded">a·w, shaped as w.</param>
/// <param name="Shift">β − mean·a (K).</param>
public readonly record struct ConvBatchNormEval(Tensor Weight, Tensor Gamma, Tensor Beta, Tensor RunningMean, Tensor RunningVar,
    int Stride, int Padding, float Eps, Tensor Folded, Tensor Shift)
{
    /// <summary>The fold of w, γ, β and the running statistics, made now into new tensors of the current scope.</summary>
    public static ConvBatchNormEval Fold(Tensor weight, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        int stride, int padding, float eps = Ops.BatchNormEpsilon)
    {
        var folded = Tensor.Empty(weight.Backend, weight.Shape);
        var shift = Tensor.Empty(weight.Backend, gamma.Shape);
        Ops.FoldBatchNorm(weight, gamma, beta, runningMean, runningVar, eps, folded, shift);
        return new(weight, gamma, beta, runningMean, runningVar, stride, padding, eps, folded, shift);
    }

    /// <summary>This convolution applied to an input shaped as <paramref name="x"/>, its geometry validated.</summary>
    internal Bound Geometry(Tensor x)
    {
        Ops.RequireRank("conv2d_batch_norm_eval", x, 4, "(N, C, H, W)");
        if (x.Shape[1] != Weight.Shape[1])
        {
            throw new ArgumentException($"conv2d_batch_norm_eval: input {x.Describe()} has {x.Shape[1]} channels but weight {Weight.Describe()} expects {Weight.Shape[1]}.");
        }
        var g = new ConvGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], Weight.Shape[0], Weight.Shape[2], Weight.Shape[3],
            Stride, Stride, Padding, Padding);
        g.Validate();
        return new Bound(this, g);
    }

    /// <summary>The convolution with the geometry of one call.</summary>
    internal readonly record struct Bound(ConvBatchNormEval Conv, ConvGeometry G);
}
