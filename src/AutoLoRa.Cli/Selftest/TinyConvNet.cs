using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cli.Selftest;

/// <summary>
/// conv3x3/2 (1→4) → batch-norm → ReLU → flatten → linear (64→2): the smallest network that
/// exercises every layer kind the real models use, for the self-test's training check.
/// </summary>
internal sealed class TinyConvNet : IDisposable
{
    private readonly Backend _backend;
    private readonly Tensor _conv, _gamma, _beta, _mean, _var, _fc, _fcBias;
    private readonly Dictionary<Tensor, Tensor> _velocity = [];

    public TinyConvNet(Backend backend, int seed)
    {
        _backend = backend;
        var rng = new Random(seed);
        _conv = Parameter(new Shape(4, 1, 3, 3), EngineChecks.RandomArray(rng, 36, 1f / 3));
        _gamma = Parameter(new Shape(4), [1f, 1f, 1f, 1f]);
        _beta = Parameter(new Shape(4), new float[4]);
        _fc = Parameter(new Shape(2, 64), EngineChecks.RandomArray(rng, 128, 1f / 8));
        _fcBias = Parameter(new Shape(2), new float[2]);
        _mean = Tensor.Zeros(backend, new Shape(4));
        _var = Tensor.Full(backend, new Shape(4), 1f);
    }

    private IEnumerable<Tensor> Parameters => [_conv, _gamma, _beta, _fc, _fcBias];

    public Tensor Forward(Tensor x, bool training)
    {
        var h = Ops.Relu(Ops.BatchNorm2d(Ops.Conv2d(x, _conv, stride: 2, padding: 1), _gamma, _beta, _mean, _var, training));
        return Ops.Linear(Ops.Flatten(h), _fc, _fcBias);
    }

    public void SgdStep(float lr, float momentum)
    {
        foreach (var p in Parameters)
        {
            if (p.Grad is null) continue;
            // Optimizer state outlives the step scope it is first needed in.
            if (!_velocity.TryGetValue(p, out var v)) _velocity[p] = v = TensorScope.Keep(Tensor.Zeros(_backend, p.Shape));
            _backend.SgdMomentumUpdate(p.ElementCount, p.Buffer, p.Grad.Buffer, v.Buffer, lr, momentum, weightDecay: 0f);
            p.ZeroGrad();
        }
    }

    public float Accuracy(Tensor x, int[] labels)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = Core.Autograd.GradMode.NoGrad();
        var logits = Forward(x, training: false);
        var predicted = Tensor.Empty(_backend, new Shape(labels.Length), DType.Int32);
        _backend.ArgMaxRows(labels.Length, 2, logits.Buffer, predicted.Buffer);
        var p = predicted.ToIntArray();
        return (float)p.Where((c, i) => c == labels[i]).Count() / labels.Length;
    }

    public void Dispose()
    {
        foreach (var t in Parameters.Concat([_mean, _var]).Concat(_velocity.Values)) t.Dispose();
    }

    private Tensor Parameter(Shape shape, float[] values)
    {
        var t = Tensor.FromArray(_backend, values, shape);
        t.RequiresGrad = true;
        return t;
    }
}
