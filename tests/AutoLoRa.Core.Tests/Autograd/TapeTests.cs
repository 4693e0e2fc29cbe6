using AutoLoRa.Core.Autograd;
using AutoLoRa.Cpu;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Autograd;

/// <summary>The tape's contract: accumulation, Grad() isolation, no-grad, detach and scopes.</summary>
public sealed class TapeTests : IDisposable
{
    private readonly CpuBackend _cpu = new();

    public void Dispose() => _cpu.Dispose();

    private Tensor Leaf(float[] values, bool requiresGrad = true)
    {
        var t = Tensor.FromArray(_cpu, values, new Shape(values.Length));
        t.RequiresGrad = requiresGrad;
        return t;
    }

    [Fact]
    public void BackwardAccumulatesAcrossCalls()
    {
        using var w = Leaf([1f, 2f, 3f]);
        using var x = Leaf([4f, 5f, 6f], requiresGrad: false);
        for (int call = 0; call < 2; call++)
        {
            using var scope = TensorScope.Begin();
            Ops.Sum(Ops.Multiply(w, x)).Backward();
        }
        Assert.Equal([8f, 10f, 12f], w.Grad!.ToArray());
        w.ZeroGrad();
        Assert.Null(w.Grad);
    }

    [Fact]
    public void GradLeavesParameterGradientsUntouched()
    {
        using var w = Leaf([1f, -2f]);
        using var x = Leaf([3f, 4f]);
        using var scope = TensorScope.Begin();
        var loss = Ops.Sum(Ops.Multiply(w, x));
        var dx = Backward.Grad(loss, x);
        Assert.Equal([1f, -2f], dx.ToArray());
        Assert.Null(w.Grad);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void GradThroughComputedTargetIncludesPathsBehindIt()
    {
        using var x = Leaf([2f]);
        using var scope = TensorScope.Begin();
        var y = Ops.Scale(x, 3f);
        // loss = y·x = 3x², so dloss/dy = x = 2 and dloss/dx = 6x = 12.
        var loss = Ops.Sum(Ops.Multiply(y, x));
        var grads = Backward.Grad(loss, y, x);
        Assert.Equal(2f, grads[0].Item());
        Assert.Equal(12f, grads[1].Item());
    }

    [Fact]
    public void UnrelatedTargetGetsZeroGradient()
    {
        using var x = Leaf([1f, 2f]);
        using var unused = Leaf([5f, 5f, 5f]);
        using var scope = TensorScope.Begin();
        var g = Backward.Grad(Ops.Sum(x), x, unused);
        Assert.Equal([0f, 0f, 0f], g[1].ToArray());
    }

    [Fact]
    public void NoGradRecordsNothing()
    {
        using var w = Leaf([1f, 2f]);
        using var scope = TensorScope.Begin();
        Tensor y;
        using (GradMode.NoGrad()) y = Ops.Scale(w, 2f);
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        Assert.Throws<InvalidOperationException>(() => Ops.Sum(y).Backward());
        Assert.True(GradMode.IsEnabled);
    }

    [Fact]
    public void DetachCutsTheGraphButSharesData()
    {
        using var w = Leaf([1f, 2f]);
        using var scope = TensorScope.Begin();
        var d = w.Detach();
        Assert.False(d.RequiresGrad);
        Assert.Equal(w.ToArray(), d.ToArray());
        var loss = Ops.Sum(Ops.Add(Ops.Multiply(w, w), d));
        loss.Backward();
        Assert.Equal([2f, 4f], w.Grad!.ToArray());
    }

    [Fact]
    public void ScopeDisposesIntermediatesButNotKeptOrOuterTensors()
    {
        using var w = Leaf([1f, 2f]);
        Tensor intermediate, kept;
        using (TensorScope.Begin())
        {
            intermediate = Ops.Scale(w, 2f);
            kept = TensorScope.Keep(Ops.Scale(w, 3f));
            Ops.Sum(Ops.Multiply(intermediate, kept)).Backward();
        }
        Assert.True(intermediate.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.False(w.IsDisposed);
        Assert.False(w.Grad!.IsDisposed);
        Assert.Equal([12f, 24f], w.Grad.ToArray());
        kept.Dispose();
    }

    [Fact]
    public void SteadyStepsReuseCachedBuffers()
    {
        using var w = Leaf(TestData.Uniform(64, 1));
        void Step()
        {
            using var scope = TensorScope.Begin();
            Ops.Sum(Ops.Relu(Ops.Multiply(w, w))).Backward();
        }
        // Warm-up: the first step leaves w.Grad behind, the second needs one more buffer to accumulate into it.
        Step();
        Step();
        long misses = _cpu.CacheMisses;
        for (int i = 0; i < 5; i++) Step();
        Assert.Equal(misses, _cpu.CacheMisses);
    }

    [Fact]
    public void ErrorsNameTheProblem()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Zeros(_cpu, new Shape(2, 3, 4, 4));
        var w = Tensor.Zeros(_cpu, new Shape(5, 2, 3, 3));
        var e = Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, w));
        Assert.Contains("3 channels", e.Message);
        var v = Leaf([1f, 2f]);
        var m = Assert.Throws<InvalidOperationException>(() => Ops.Scale(v, 2f).Backward());
        Assert.Contains("scalar", m.Message);
        v.Dispose();
        Assert.Throws<ObjectDisposedException>(() => v.ToArray());
    }
}
