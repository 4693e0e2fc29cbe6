using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;

namespace AutoLoRa.Nn.Layers;

/// <summary>
/// y = x·Wᵀ + b with W (out, in), optionally with a LoRA branch (loralib's Linear: A (r × in),
/// B (out × r)). A classifier head is called on the main path from both AutoLoRa paths, so it
/// learns on both; a transformer's linear layers pass the path on, so on the natural one only
/// their LoRA factors learn (W and b detached).
/// </summary>
public sealed class Linear : LoraLayer
{
    /// <summary>A linear layer initialised as PyTorch's nn.Linear, or at zero.</summary>
    /// <param name="backend">Where the parameters live.</param>
    /// <param name="rng">Seeded source for the initial weights.</param>
    /// <param name="inFeatures">Input width.</param>
    /// <param name="outFeatures">Output width.</param>
    /// <param name="zeroInit">Start at zero (a new downstream head, as the reference does) instead of PyTorch's U(±1/√in).</param>
    public Linear(Backend backend, Random rng, int inFeatures, int outFeatures, bool zeroInit = false) : base(backend)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        float bound = 1f / MathF.Sqrt(inFeatures);
        var w = zeroInit ? new float[outFeatures * inFeatures] : Init.Uniform(rng, outFeatures * inFeatures, bound);
        var b = zeroInit ? new float[outFeatures] : Init.Uniform(rng, outFeatures, bound);
        Weight = RegisterParameter("weight", Tensor.FromArray(backend, w, new Shape(outFeatures, inFeatures)));
        Bias = RegisterParameter("bias", Tensor.FromArray(backend, b, new Shape(outFeatures)));
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>The bias (out).</summary>
    public Tensor Bias { get; }

    /// <inheritdoc/>
    protected override string Noun => "linear layer";

    /// <summary>Adds a rank-<paramref name="rank"/> branch: A (r × in) and B (out × r).</summary>
    public override void AddLora(int rank, Random rng) => AddFactors(rank, rng, rank, InFeatures, OutFeatures);

    /// <summary>x (N, in) → (N, out) along <paramref name="branch"/>: the natural path detaches W and b and adds the LoRA update.</summary>
    public Tensor Forward(Tensor x, Branch branch = Branch.Main)
    {
        using var label = OpProfiler.Layer(ProfileLabel);
        return branch == Branch.Main ? Ops.Linear(x, Weight, Bias) : Ops.Linear(x, WeightFor(branch), Bias.Detach());
    }
}
