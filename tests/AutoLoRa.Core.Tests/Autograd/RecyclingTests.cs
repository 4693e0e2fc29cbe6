using AutoLoRa.Core.Autograd;
using AutoLoRa.Cpu;

namespace AutoLoRa.Core.Tests.Autograd;

/// <summary>
/// The ownership rules that let a steady loop allocate nothing: tape nodes return to their pool
/// with their output tensor, a recycling scope reuses the tensors it ends (Release builds) and
/// never those taken out of it, and freed CPU buffers keep their wrapper. In Debug builds nothing
/// is reused, so a use after the end throws instead.
/// </summary>
public sealed class RecyclingTests : IDisposable
{
    private readonly CpuBackend _cpu = new();

    public void Dispose() => _cpu.Dispose();

    private Tensor Vector(params float[] values) => Tensor.FromArray(_cpu, values, new Shape(values.Length));

    [Fact]
    public void RecyclingScopeReusesTheTensorsItEnds()
    {
        Tensor ended;
        using (TensorScope.BeginRecycling()) ended = Vector(1f, 2f);
        Assert.True(ended.IsDisposed);
        using var next = Vector(3f, 4f);
        if (WrapperRecycling.Enabled)
        {
            Assert.Same(ended, next);
            Assert.Equal([3f, 4f], ended.ToArray());
        }
        else
        {
            Assert.NotSame(ended, next);
            Assert.Throws<ObjectDisposedException>(() => ended.ToArray());
        }
    }

    [Fact]
    public void RecyclingScopeObjectsAreReusedAndPlainScopesAreNot()
    {
        TensorScope first;
        using (first = TensorScope.BeginRecycling()) Vector(1f);
        using (var second = TensorScope.BeginRecycling())
        {
            if (WrapperRecycling.Enabled) Assert.Same(first, second);
            else Assert.NotSame(first, second);
            // The reused scope is a working, innermost scope again.
            Vector(2f);
            Assert.Equal(1, second.Count);
        }
        TensorScope plain;
        using (plain = TensorScope.Begin()) Vector(3f);
        using var afterPlain = TensorScope.Begin();
        Assert.NotSame(plain, afterPlain);
    }

    [Fact]
    public void KeptAndMovedTensorsSurviveAndAreNeverReused()
    {
        using var outer = TensorScope.Begin();
        Tensor kept, moved;
        using (var inner = TensorScope.BeginRecycling())
        {
            kept = TensorScope.Keep(Vector(1f));
            moved = inner.MoveToOuter(Vector(2f));
            Vector(3f);
        }
        using var fresh = Vector(4f);
        using var another = Vector(5f);
        Assert.Equal([1f], kept.ToArray());
        Assert.Equal([2f], moved.ToArray());
        Assert.DoesNotContain(fresh, new[] { kept, moved });
        Assert.DoesNotContain(another, new[] { kept, moved });
        kept.Dispose();
    }

    [Fact]
    public void ResetEndsTheScopesTensorsAndKeepsItOpen()
    {
        using var scope = TensorScope.BeginRecycling();
        var first = Vector(1f);
        scope.Reset();
        Assert.True(first.IsDisposed);
        var second = Vector(2f);
        Assert.Equal(1, scope.Count);
        Assert.Equal([2f], second.ToArray());
    }

    [Fact]
    public void ResetOfAnOuterScopeThrows()
    {
        using var outer = TensorScope.BeginRecycling();
        using var inner = TensorScope.Begin();
        Assert.Throws<InvalidOperationException>(outer.Reset);
    }

    [Fact]
    public void DisposingAnOutputReleasesItsNodeForReuse()
    {
        using var x = Vector(-1f, 2f);
        x.RequiresGrad = true;
        var y = Ops.Relu(x);
        var node = y.Node!;
        y.Dispose();
        Assert.Null(y.Node);
        // A released node can never run again.
        Assert.Throws<InvalidOperationException>(() => node.Backward(x, [true], new Tensor?[1], ReluMasks.None));
        using var z = Ops.Relu(x);
        Assert.Same(node, z.Node);
        Assert.Equal(1, z.Node!.Inputs.Length);
        Assert.Same(x, z.Node.Inputs[0]);
    }

    [Fact]
    public void ZeroGradRecyclesTheGradientItOwns()
    {
        using var w = Vector(1f, 2f);
        w.RequiresGrad = true;
        using (TensorScope.Begin()) Ops.Sum(w).Backward();
        var grad = w.Grad!;
        Assert.Equal([1f, 1f], grad.ToArray());
        w.ZeroGrad();
        Assert.Null(w.Grad);
        Assert.True(grad.IsDisposed);
        using var next = Vector(0f, 0f);
        Assert.Equal(WrapperRecycling.Enabled, ReferenceEquals(grad, next));
    }

    [Fact]
    public void FreedCpuBuffersKeepTheirWrapper()
    {
        var buffer = _cpu.Allocate(16);
        buffer.Release();
        Assert.True(buffer.IsReleased);
        var again = _cpu.Allocate(8, DType.Int32);
        Assert.Equal(WrapperRecycling.Enabled, ReferenceEquals(buffer, again));
        Assert.Equal(8, again.Length);
        Assert.Equal(DType.Int32, again.DType);
        Assert.False(again.IsReleased);
        again.Release();
    }
}
