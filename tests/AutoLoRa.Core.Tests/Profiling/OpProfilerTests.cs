using AutoLoRa.Core.Autograd;
using AutoLoRa.Cpu;
using AutoLoRa.Core.Profiling;

namespace AutoLoRa.Core.Tests.Profiling;

public sealed class OpProfilerTests
{
    [Fact]
    public void Primitives_are_charged_to_the_phase_and_layer_that_recorded_them_including_backward()
    {
        using var backend = new CpuBackend { Profiling = true };
        var profile = new OpProfile();
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray(backend, Enumerable.Range(0, 2 * 3 * 5 * 5).Select(i => (i % 7) / 7f - 0.4f).ToArray(), new Shape(2, 3, 5, 5));
        var w = Tensor.FromArray(backend, Enumerable.Range(0, 4 * 3 * 3 * 3).Select(i => (i % 5) / 5f - 0.5f).ToArray(), new Shape(4, 3, 3, 3));
        x.RequiresGrad = true;
        using (OpProfiler.Collect(profile))
        using (OpProfiler.Phase("attack"))
        {
            Tensor h;
            using (OpProfiler.Layer("conv")) h = Ops.Conv2d(x, w, padding: 1);
            var loss = Ops.Sum(Ops.Relu(h));
            // Backward runs outside the layer's scope; the convolution's backward still belongs to it.
            Backward.Grad(loss, x);
        }

        var entries = profile.Entries;
        Assert.Contains(entries, e => e is { Phase: "attack", Layer: "conv", Primitive: "Conv2dForward", Calls: 1 });
        Assert.Contains(entries, e => e is { Phase: "attack", Layer: "conv", Primitive: "Conv2dBackwardData", Calls: 1 });
        Assert.Contains(entries, e => e is { Phase: "attack", Layer: "", Primitive: "Relu", Calls: 1 });
        // Only the input gradient was asked for, so no filter gradient ran.
        Assert.DoesNotContain(entries, e => e.Primitive == "Conv2dBackwardFilter");
        Assert.All(entries, e => Assert.True(e.Seconds >= 0));
        Assert.Equal(entries.Sum(e => e.Seconds), profile.TotalSeconds, 9);
    }

    [Fact]
    public void Nothing_is_recorded_outside_a_collection_and_collections_do_not_nest()
    {
        using var backend = new CpuBackend { Profiling = true };
        var profile = new OpProfile();
        using (TensorScope.Begin()) Ops.Relu(Tensor.Zeros(backend, new Shape(8)));
        Assert.Empty(profile.Entries);

        using (OpProfiler.Collect(profile))
        {
            Assert.Throws<InvalidOperationException>(() => OpProfiler.Collect(new OpProfile()));
        }
        Assert.Null(OpProfiler.Active);
    }

    [Fact]
    public void A_composite_is_charged_once_under_its_own_name_and_its_primitives_are_not_recorded_again()
    {
        using var backend = new CpuBackend { Profiling = true };
        var profile = new OpProfile();
        using var scope = TensorScope.Begin();
        var w = Tensor.Zeros(backend, new Shape(4, 6));
        var b = Tensor.Zeros(backend, new Shape(4, 2));
        var a = Tensor.Zeros(backend, new Shape(2, 6));
        using (OpProfiler.Collect(profile)) Ops.LoraMerge(w, b, a, 0.5f);

        var entries = profile.Entries;
        Assert.Contains(entries, e => e is { Primitive: "LoraMerge", Calls: 1 });
        Assert.DoesNotContain(entries, e => e.Primitive is "Gemm" or "Copy");
    }

    [Fact]
    public void A_backend_with_profiling_off_records_nothing_even_while_a_profile_is_collected()
    {
        using var backend = new CpuBackend();
        var profile = new OpProfile();
        using (OpProfiler.Collect(profile))
        using (TensorScope.Begin())
        {
            Ops.Relu(Tensor.Zeros(backend, new Shape(8)));
        }
        Assert.Empty(profile.Entries);
    }
}
