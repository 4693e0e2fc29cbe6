using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;

namespace AutoLoRa.Nn.Layers;

/// <summary>
/// (x − mean) / std per channel, inside the model, so attacks and their ε work in [0, 1] pixel
/// space. Computed by eval-mode batch-norm with gamma 1, beta 0 and variance std² − eps, which
/// gives exactly 1/std and lets the input gradient flow with no extra primitive. The statistics are
/// constants: not parameters, and not in the torchvision-named state dict (checkpoints carry them
/// as metadata).
/// </summary>
public sealed class InputNormalization : Module
{
    private readonly Tensor _mean, _variance, _ones, _zeros;

    /// <summary>(x − mean) / std per channel.</summary>
    public InputNormalization(Backend backend, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        if (mean.Count != std.Count || mean.Count == 0) throw new ArgumentException($"Normalisation needs one mean and one std per channel (got {mean.Count} and {std.Count}).");
        // The variance trick needs std² > eps.
        if (std.Any(s => !(s * s > 2 * Ops.BatchNormEpsilon))) throw new ArgumentException($"Normalisation std values must exceed {MathF.Sqrt(2 * Ops.BatchNormEpsilon):G3} (got {string.Join(", ", std)}).");
        Mean = [.. mean];
        Std = [.. std];
        int c = mean.Count;
        _mean = TensorScope.Keep(Tensor.FromArray(backend, Mean, new Shape(c)));
        _variance = TensorScope.Keep(Tensor.FromArray(backend, Std.Select(s => s * s - Ops.BatchNormEpsilon).ToArray(), new Shape(c)));
        _ones = TensorScope.Keep(Tensor.Full(backend, new Shape(c), 1f));
        _zeros = TensorScope.Keep(Tensor.Zeros(backend, new Shape(c)));
    }

    /// <summary>Per-channel mean.</summary>
    public float[] Mean { get; }

    /// <summary>Per-channel standard deviation.</summary>
    public float[] Std { get; }

    /// <summary>Normalises <paramref name="x"/> (N, C, H, W), differentiably (attacks need its input gradient).</summary>
    public Tensor Forward(Tensor x)
    {
        using var label = OpProfiler.Layer(ProfileLabel);
        return Ops.BatchNorm2d(x, _ones, _zeros, _mean, _variance, training: false);
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        foreach (var t in (Tensor[])[_mean, _variance, _ones, _zeros]) t.Dispose();
        base.Dispose();
    }
}
