using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;

namespace AutoLoRa.Nn.Layers;

/// <summary>y = x·Wᵀ + b with W (out, in). The classifier learns on both AutoLoRa paths.</summary>
public sealed class Linear : Module
{
    /// <param name="backend">Where the parameters live.</param>
    /// <param name="rng">Seeded source for the initial weights.</param>
    /// <param name="inFeatures">Input width.</param>
    /// <param name="outFeatures">Output width.</param>
    /// <param name="zeroInit">Start at zero (a new downstream head, as the reference does) instead of PyTorch's U(±1/√in).</param>
    public Linear(Backend backend, Random rng, int inFeatures, int outFeatures, bool zeroInit = false)
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

    /// <summary>The weight (out, in).</summary>
    public Tensor Weight { get; }

    /// <summary>The bias (out).</summary>
    public Tensor Bias { get; }

    /// <summary>x·Wᵀ + b for <paramref name="x"/> (N, in).</summary>
    public Tensor Forward(Tensor x)
    {
        using var label = OpProfiler.Layer(ProfileLabel);
        return Ops.Linear(x, Weight, Bias);
    }
}
