using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;

namespace AutoLoRa.Nn.Layers;

/// <summary>
/// Batch normalisation over channels with PyTorch's defaults (momentum 0.1, eps 1e-5, unbiased
/// running variance). On the natural path its affine parameters are detached; its running
/// statistics update on every training-mode pass, as in the reference.
/// <para>
/// For TWINS it can carry a second, <em>frozen</em> wing (<see cref="AddFrozenWing"/>): this
/// batch-norm is then the adaptive wing, and in training mode the first ⌊N/2⌋ samples of a batch
/// are normalised by the frozen wing (the pre-trained population statistics, never updated, with
/// its own trainable affine) and the rest by this one (batch statistics, running statistics
/// updated). In eval mode only the adaptive wing is used, as in the TWINS reference.
/// </para>
/// </summary>
public sealed class BatchNorm2d : Module
{
    /// <summary>State-dict name of the frozen wing (the TWINS reference's <c>main_bn</c>), so its keys read <c>layer1.0.bn1.main_bn.running_var</c>.</summary>
    public const string FrozenWingName = "main_bn";

    /// <summary>Batch-norm over <paramref name="channels"/> channels: weight 1, bias 0, running mean 0 and variance 1, as PyTorch initialises it.</summary>
    public BatchNorm2d(Backend backend, int channels) : this(backend, channels, freezesStatistics: false)
    {
    }

    private BatchNorm2d(Backend backend, int channels, bool freezesStatistics)
    {
        Channels = channels;
        FreezesStatistics = freezesStatistics;
        Weight = RegisterParameter("weight", Tensor.Full(backend, new Shape(channels), 1f));
        Bias = RegisterParameter("bias", Tensor.Zeros(backend, new Shape(channels)));
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros(backend, new Shape(channels)));
        RunningVar = RegisterBuffer("running_var", Tensor.Full(backend, new Shape(channels), 1f));
    }

    /// <summary>Channels normalised.</summary>
    public int Channels { get; }

    /// <summary>The affine scale γ, per channel.</summary>
    public Tensor Weight { get; }

    /// <summary>The affine shift β, per channel.</summary>
    public Tensor Bias { get; }

    /// <summary>The population mean used in eval mode.</summary>
    public Tensor RunningMean { get; }

    /// <summary>The population variance used in eval mode.</summary>
    public Tensor RunningVar { get; }

    /// <summary>Training-mode passes so far (PyTorch's int64 <c>num_batches_tracked</c> buffer).</summary>
    public long NumBatchesTracked { get; set; }

    /// <summary>True for a TWINS frozen wing: it normalises with its stored statistics in every mode and never updates them.</summary>
    public bool FreezesStatistics { get; }

    /// <summary>The TWINS frozen wing, or null for an ordinary batch-norm.</summary>
    public BatchNorm2d? FrozenWing { get; private set; }

    /// <summary>Samples of a training batch of <paramref name="batch"/> that the frozen wing normalises: the first ⌊N/2⌋ (the rest go to the adaptive wing).</summary>
    public static int FrozenRows(int batch) => batch / 2;

    /// <summary>
    /// Adds the TWINS frozen wing as a copy of this batch-norm's current state (call it on the
    /// pre-trained model, so both wings start from the checkpoint's weight, bias and statistics).
    /// </summary>
    public void AddFrozenWing()
    {
        if (FreezesStatistics) throw new InvalidOperationException("A frozen wing cannot carry a wing of its own.");
        if (FrozenWing is not null) throw new InvalidOperationException("This batch-norm already has a frozen wing.");
        var backend = Weight.Backend;
        var wing = new BatchNorm2d(backend, Channels, freezesStatistics: true) { NumBatchesTracked = NumBatchesTracked };
        foreach (var (from, to) in new[] { (Weight, wing.Weight), (Bias, wing.Bias), (RunningMean, wing.RunningMean), (RunningVar, wing.RunningVar) })
        {
            backend.Copy(from.Buffer, to.Buffer, Channels);
        }
        FrozenWing = RegisterModule(FrozenWingName, wing);
    }

    /// <summary>Drops the frozen wing: what is left is the adaptive wing, the batch-norm TWINS uses at inference.</summary>
    public void RemoveFrozenWing()
    {
        if (FrozenWing is null) throw new InvalidOperationException("This batch-norm has no frozen wing to remove.");
        RemoveModule(FrozenWingName);
        FrozenWing = null;
    }

    /// <summary>Normalises <paramref name="x"/> (N, C, H, W): batch statistics in training mode (updating the running ones), running statistics in eval mode.</summary>
    public Tensor Forward(Tensor x, Branch branch = Branch.Main)
    {
        using var label = OpProfiler.Layer(ProfileLabel);
        if (IsTraining) NumBatchesTracked++;
        int frozenRows = FrozenWing is not null && IsTraining ? FrozenRows(x.Shape[0]) : 0;
        if (frozenRows == 0) return Normalize(x, branch);
        var frozen = FrozenWing!.Forward(Ops.Rows(x, 0, frozenRows), branch);
        var adaptive = Normalize(Ops.Rows(x, frozenRows, x.Shape[0] - frozenRows), branch);
        return Ops.ConcatRows(frozen, adaptive);
    }

    private Tensor Normalize(Tensor x, Branch branch)
    {
        bool natural = branch == Branch.Natural;
        return Ops.BatchNorm2d(x, natural ? Weight.Detach() : Weight, natural ? Bias.Detach() : Bias, RunningMean, RunningVar,
            training: IsTraining && !FreezesStatistics);
    }
}
