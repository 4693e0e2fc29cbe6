using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Diagnostics;

namespace AutoLoRa.Nn.Layers;

/// <summary>
/// Batch normalisation over channels with PyTorch's defaults (momentum 0.1, eps 1e-5, unbiased
/// running variance). On the natural path its affine parameters are detached; its running
/// statistics update on every training-mode pass, as in the reference.
/// </summary>
public sealed class BatchNorm2d : Module
{
    public BatchNorm2d(IBackend backend, int channels)
    {
        Channels = channels;
        Weight = RegisterParameter("weight", Tensor.Full(backend, new Shape(channels), 1f));
        Bias = RegisterParameter("bias", Tensor.Zeros(backend, new Shape(channels)));
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros(backend, new Shape(channels)));
        RunningVar = RegisterBuffer("running_var", Tensor.Full(backend, new Shape(channels), 1f));
    }

    public int Channels { get; }

    public Tensor Weight { get; }

    public Tensor Bias { get; }

    public Tensor RunningMean { get; }

    public Tensor RunningVar { get; }

    /// <summary>Training-mode passes so far (PyTorch's int64 <c>num_batches_tracked</c> buffer).</summary>
    public long NumBatchesTracked { get; set; }

    public Tensor Forward(Tensor x, Branch branch = Branch.Main)
    {
        using var label = OpProfiler.Layer(ProfileLabel);
        if (IsTraining) NumBatchesTracked++;
        bool natural = branch == Branch.Natural;
        return Ops.BatchNorm2d(x, natural ? Weight.Detach() : Weight, natural ? Bias.Detach() : Bias, RunningMean, RunningVar, IsTraining);
    }
}
