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
public sealed class Conv2d : Module
{
    private readonly Backend _backend;

    /// <summary>A square convolution, its filter drawn from <paramref name="rng"/> as torchvision's ResNets initialise theirs (Kaiming normal, fan-out).</summary>
    public Conv2d(Backend backend, Random rng, int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool bias = false)
    {
        _backend = backend;
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

    /// <summary>The filter W (out, in, k, k).</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>LoRA factor A of the natural branch W + s·BA, or null without LoRA.</summary>
    public Tensor? LoraA { get; private set; }

    /// <summary>LoRA factor B of the natural branch W + s·BA, or null without LoRA.</summary>
    public Tensor? LoraB { get; private set; }

    /// <summary>s in W + s·BA (1/r).</summary>
    public float LoraScale { get; private set; }

    /// <summary>A LoRA branch is attached.</summary>
    public bool HasLora => LoraA is not null;

    /// <summary>Adds a rank-<paramref name="rank"/> LoRA branch (A normal, B zero, so the natural path starts equal to W).</summary>
    public void AddLora(int rank, Random rng)
    {
        if (HasLora) throw new InvalidOperationException("This convolution already has a LoRA branch.");
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        int k = Kernel;
        LoraA = RegisterParameter("lora_A", Tensor.FromArray(_backend, Init.Normal(rng, rank * k * InChannels * k), new Shape(rank * k, InChannels * k)));
        LoraB = RegisterParameter("lora_B", Tensor.Zeros(_backend, new Shape(OutChannels * k, rank * k)));
        LoraScale = 1f / rank;
    }

    /// <summary>Folds the LoRA branch into W (W ← W + s·BA) and removes it: the natural path becomes the only path.</summary>
    public void MergeLora()
    {
        if (LoraA is null || LoraB is null) throw new InvalidOperationException("This convolution has no LoRA branch to merge.");
        LoraGemm.Merge(_backend, LoraB.Shape[0], LoraB.Shape[1], LoraA.Shape[1], Weight.Buffer, LoraB.Buffer, LoraA.Buffer, LoraScale, Weight.Buffer);
        RemoveLora();
    }

    /// <summary>Discards the LoRA branch, leaving W as it is: the main path becomes the only path.</summary>
    public void RemoveLora()
    {
        if (LoraA is null || LoraB is null) throw new InvalidOperationException("This convolution has no LoRA branch to remove.");
        UnregisterParameter(LoraA);
        UnregisterParameter(LoraB);
        LoraA.Dispose();
        LoraB.Dispose();
        LoraA = LoraB = null;
    }

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
        bool natural = branch == Branch.Natural;
        return Ops.Conv2dBatchNormEval(x, WeightFor(branch), natural ? norm.Weight.Detach() : norm.Weight,
            natural ? norm.Bias.Detach() : norm.Bias, norm.RunningMean, norm.RunningVar, Stride, Padding);
    }

    /// <summary>W on the main path; on the natural path the detached W plus the LoRA update (only A and B learn there).</summary>
    private Tensor WeightFor(Branch branch)
    {
        if (branch == Branch.Main) return Weight;
        var w = Weight.Detach();
        return LoraA is not null && LoraB is not null ? Ops.LoraMerge(w, LoraB, LoraA, LoraScale) : w;
    }
}
