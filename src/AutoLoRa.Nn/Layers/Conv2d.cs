using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;

namespace AutoLoRa.Nn.Layers;

/// <summary>
/// A square-kernel convolution with an optional LoRA branch laid out as in the AutoLoRa reference
/// (loralib's ConvLoRA): A (r·k × Cin·k) ~ N(0, 1), B (Cout·k × r·k) = 0, scale s = 1/r, and
/// W_nat = W + s · reshape(B @ A). The LoRA branch is used only on the <see cref="Branch.Natural"/> path.
/// </summary>
public sealed class Conv2d : LoraLayer
{
    /// <summary>A square convolution, its filter drawn from <paramref name="rng"/> as torchvision's ResNets initialise theirs (Kaiming normal, fan-out).</summary>
    public Conv2d(Backend backend, Random rng, int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool bias = false)
        : base(backend)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        Weight = RegisterParameter("weight", Init.KaimingNormalFanOut(backend, rng, new Shape(outChannels, inChannels, kernel, kernel)));
        if (bias) Bias = RegisterParameter("bias", Tensor.Zeros(backend, new Shape(outChannels)));
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel side.</summary>
    public int Kernel { get; }

    /// <summary>Stride in both directions.</summary>
    public int Stride { get; }

    /// <summary>Zero padding on every side.</summary>
    public int Padding { get; }

    /// <summary>The bias, or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    protected override string Noun => "convolution";

    /// <summary>Adds a rank-<paramref name="rank"/> branch: A (r·k × Cin·k) and B (Cout·k × r·k), loralib's ConvLoRA layout.</summary>
    public override void AddLora(int rank, Random rng) => AddFactors(rank, rng, rank * Kernel, InChannels * Kernel, OutChannels * Kernel);

    /// <summary>Convolves <paramref name="x"/> with W (main branch) or W + s·BA (natural branch).</summary>
    public Tensor Forward(Tensor x, Branch branch = Branch.Main)
    {
        using var label = OpProfiler.Layer(ProfileLabel);
        return Ops.Conv2d(x, WeightFor(branch), branch == Branch.Main ? Bias : Bias?.Detach(), Stride, Padding);
    }

    /// <summary>
    /// This convolution followed by <paramref name="norm"/>. In eval mode (attacks, evaluation) one
    /// fused op with the batch-norm folded into the filter, which saves the batch-norm's passes over
    /// the activations; in training mode, or with a convolution bias, the two layers in turn.
    /// </summary>
    public Tensor ForwardNormalized(Tensor x, BatchNorm2d norm, Branch branch = Branch.Main)
    {
        if (norm.IsTraining || Bias is not null) return norm.Forward(Forward(x, branch), branch);
        using var label = OpProfiler.Layer(ProfileLabel);
        return Ops.Conv2dBatchNormEval(x, FoldedWith(norm, branch));
    }

    /// <summary>
    /// <see cref="ForwardNormalized"/> followed by a ReLU: in eval mode one fused op with the ReLU in
    /// the convolution's output stage (<see cref="Ops.Conv2dBatchNormReluEval"/>), else the layers in turn.
    /// </summary>
    public Tensor ForwardNormalizedRelu(Tensor x, BatchNorm2d norm, Branch branch = Branch.Main)
    {
        if (norm.IsTraining || Bias is not null) return Ops.Relu(ForwardNormalized(x, norm, branch));
        using var label = OpProfiler.Layer(ProfileLabel);
        return Ops.Conv2dBatchNormReluEval(x, FoldedWith(norm, branch));
    }

    /// <summary>
    /// This convolution with <paramref name="norm"/> folded in, for eval mode and no convolution
    /// bias: on the natural branch with W and the batch-norm's affine detached (only the LoRA
    /// factors learn there). Within a <see cref="Module.FreezeWeights"/> scope the main branch's
    /// fold is made once and kept (the tensors are this layer's, reused from scope to scope);
    /// otherwise, and for the natural branch (whose merged weight is made per call), it is made
    /// per call in the current scope.
    /// </summary>
    public ConvBatchNormEval FoldedWith(BatchNorm2d norm, Branch branch)
    {
        if (Bias is not null) throw new InvalidOperationException("A convolution with a bias has no batch-norm fold (the fold assumes none).");
        bool natural = branch == Branch.Natural;
        var w = WeightFor(branch);
        Tensor gamma = natural ? norm.Weight.Detach() : norm.Weight, beta = natural ? norm.Bias.Detach() : norm.Bias;
        if (!WeightsFrozen || natural) return ConvBatchNormEval.Fold(w, gamma, beta, norm.RunningMean, norm.RunningVar, Stride, Padding);
        var folded = _keptFold ??= TensorScope.Keep(Tensor.Empty(w.Backend, w.Shape));
        var shift = _keptShift ??= TensorScope.Keep(Tensor.Empty(w.Backend, gamma.Shape));
        if (!_foldCurrent) Ops.FoldBatchNorm(w, gamma, beta, norm.RunningMean, norm.RunningVar, Ops.BatchNormEpsilon, folded, shift);
        _foldCurrent = true;
        return new ConvBatchNormEval(w, gamma, beta, norm.RunningMean, norm.RunningVar, Stride, Padding, Ops.BatchNormEpsilon, folded, shift);
    }

    private Tensor? _keptFold, _keptShift;
    private bool _foldCurrent;

    /// <inheritdoc/>
    protected override void WeightsUnfrozen() => _foldCurrent = false;

    /// <inheritdoc/>
    public override void Dispose()
    {
        _keptFold?.Dispose();
        _keptShift?.Dispose();
        base.Dispose();
    }
}
