using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;

namespace AutoLoRa.Nn.Layers;

/// <summary>
/// LayerNorm over the last axis with an affine γ ("weight", ones) and β ("bias", zeros). On the
/// natural path the affine is detached, as batch-norm's is: AutoLoRa's natural objective trains
/// only the LoRA factors and the head.
/// </summary>
public sealed class LayerNorm : Module
{
    /// <summary>timm's ViTs use 1e-6 (PyTorch's default is 1e-5); checkpoints were trained with it.</summary>
    public const float VitEpsilon = 1e-6f;

    /// <summary>A LayerNorm over <paramref name="features"/> values, γ = 1 and β = 0.</summary>
    public LayerNorm(Backend backend, int features, float eps = VitEpsilon)
    {
        Features = features;
        Eps = eps;
        Weight = RegisterParameter("weight", Tensor.Full(backend, new Shape(features), 1f));
        Bias = RegisterParameter("bias", Tensor.Zeros(backend, new Shape(features)));
    }

    /// <summary>Width of the last axis it normalises.</summary>
    public int Features { get; }

    /// <summary>Added to the variance inside the square root.</summary>
    public float Eps { get; }

    /// <summary>γ, the scale.</summary>
    public Tensor Weight { get; }

    /// <summary>β, the shift.</summary>
    public Tensor Bias { get; }

    /// <summary>x normalised over its last axis; the affine detached on the natural path.</summary>
    public Tensor Forward(Tensor x, Branch branch = Branch.Main)
    {
        using var label = OpProfiler.Layer(ProfileLabel);
        bool natural = branch == Branch.Natural;
        return Ops.LayerNorm(x, natural ? Weight.Detach() : Weight, natural ? Bias.Detach() : Bias, Eps);
    }
}
