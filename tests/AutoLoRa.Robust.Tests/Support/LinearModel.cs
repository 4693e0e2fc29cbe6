using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Robust.Tests;

/// <summary>logits = flatten(x)·Wᵀ + b on the backend, through the tape: the analytic model of these tests.</summary>
public class LinearModel : ILogitModel, IDisposable
{
    private readonly Tensor _weight;
    private readonly Tensor _bias;

    public LinearModel(Backend backend, float[] weight, float[] bias)
    {
        Backend = backend;
        Classes = bias.Length;
        Features = weight.Length / bias.Length;
        WeightHost = weight;
        BiasHost = bias;
        _weight = TensorScope.Keep(Tensor.FromArray(backend, weight, new Shape(Classes, Features)));
        _bias = TensorScope.Keep(Tensor.FromArray(backend, bias, new Shape(Classes)));
    }

    public Backend Backend { get; }

    public int Classes { get; }

    public int Features { get; }

    public float[] WeightHost { get; }

    public float[] BiasHost { get; }

    public virtual Tensor Logits(Tensor x) => Ops.Linear(Ops.Flatten(x), _weight, _bias);

    /// <summary>Logits on the host, for models that bypass the tape.</summary>
    protected float[] HostLogits(Tensor x)
    {
        var pixels = x.ToArray();
        int n = x.Shape[0];
        var z = new float[n * Classes];
        for (int s = 0; s < n; s++)
        {
            for (int k = 0; k < Classes; k++)
            {
                double sum = BiasHost[k];
                for (int i = 0; i < Features; i++) sum += WeightHost[k * Features + i] * pixels[s * Features + i];
                z[s * Classes + k] = (float)sum;
            }
        }
        return z;
    }

    public void Dispose()
    {
        _weight.Dispose();
        _bias.Dispose();
    }
}

/// <summary>Adds fresh noise to the logits on every call: a randomised defence.</summary>
public sealed class NoisyModel(Backend backend, float[] weight, float[] bias) : LinearModel(backend, weight, bias)
{
    private readonly Random _rng = new(7);

    public override Tensor Logits(Tensor x)
    {
        var logits = base.Logits(x);
        var noise = Enumerable.Range(0, logits.ElementCount).Select(_ => (float)(_rng.NextDouble() - 0.5)).ToArray();
        return Ops.Add(logits, Tensor.FromArray(Backend, noise, logits.Shape));
    }
}

/// <summary>Returns softmax probabilities (computed off the tape) instead of logits.</summary>
public sealed class SoftmaxModel(Backend backend, float[] weight, float[] bias) : LinearModel(backend, weight, bias)
{
    public override Tensor Logits(Tensor x)
    {
        var z = HostLogits(x);
        for (int s = 0; s < z.Length / Classes; s++)
        {
            var row = z.AsSpan(s * Classes, Classes);
            float max = row.ToArray().Max();
            double sum = 0;
            for (int k = 0; k < Classes; k++) sum += Math.Exp(row[k] - max);
            for (int k = 0; k < Classes; k++) row[k] = (float)(Math.Exp(row[k] - max) / sum);
        }
        return Tensor.FromArray(Backend, z, new Shape(x.Shape[0], Classes));
    }
}

/// <summary>Quantises its input before a linear layer: piecewise constant, so every input gradient is zero.</summary>
public sealed class QuantizedModel(Backend backend, float[] weight, float[] bias) : LinearModel(backend, weight, bias)
{
    public override Tensor Logits(Tensor x)
    {
        var pixels = x.ToArray().Select(v => MathF.Round(v * 4) / 4).ToArray();
        using var noGrad = AutoLoRa.Core.Autograd.GradMode.NoGrad();
        return base.Logits(Tensor.FromArray(Backend, pixels, x.Shape));
    }
}
