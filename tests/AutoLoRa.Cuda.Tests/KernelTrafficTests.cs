namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// The traffic figures come from the // @traffic line above each kernel (one definition, read at
/// build time); these tests check that every launched kernel has one and that the lookup the
/// bench uses answers from it.
/// </summary>
public sealed class KernelTrafficTests
{
    [Fact]
    public void Every_launched_kernel_has_a_figure_and_every_figure_a_kernel()
    {
        var launched = KernelTable.Families.Values.SelectMany(k => k).Order(StringComparer.Ordinal);
        Assert.Equal(launched, KernelTraffic.PerElement.Keys.Order(StringComparer.Ordinal));
        Assert.All(KernelTraffic.PerElement.Values, f => Assert.True(f.ReadBytes > 0 && f.WriteBytes > 0));
    }

    [Fact]
    public void Lookup_answers_from_the_kernel_source()
    {
        var pgd = KernelTable.Of("pgd_step_f32");
        Assert.Equal(pgd.Traffic, KernelTraffic.Of("pgd_step_f32"));
        Assert.Equal(12 * 10L + 4 * 10L, KernelTraffic.Of("pgd_step_f32").Bytes(10, 10));
        var unknown = Assert.Throws<Kernels.KernelException>(() => KernelTraffic.Of("no_such_kernel"));
        Assert.Contains("no_such_kernel", unknown.Message);
    }

    [Fact]
    public void A_test_only_kernel_is_declared_but_neither_loaded_nor_timed()
    {
        var atomic = KernelTable.Of("sum_atomic_f32");
        Assert.False(atomic.LaunchedByBackend);
        Assert.DoesNotContain("sum_atomic_f32", KernelTable.Families["reduce"]);
        Assert.False(KernelTraffic.PerElement.ContainsKey("sum_atomic_f32"));
    }
}
