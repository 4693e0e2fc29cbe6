namespace AutoLoRa.Kernels.Tests;

/// <summary>
/// The host emulation refuses or exposes what a GPU punishes (kernels/emulator_checks.cu breaks each
/// rule on purpose): threads of a block at different barriers, a shuffle mask that leaves out live
/// lanes, shared memory read before it is written (dynamic and static, poisoned with NaN at each
/// block start), and a race, which shows as results that change with the threads' turn order. The
/// real kernels must give the same bits in every order.
/// </summary>
[Collection(ThreadOrderCollection.Name)]
public sealed unsafe class EmulatorStrictnessTests
{
    [KernelFact(KernelArtifact.HostLibrary)]
    public void Threads_at_different_barriers_fail_the_launch()
    {
        var e = Assert.Throws<KernelException>(() => Run("divergent_barrier_f32", 64));
        Assert.Contains("different __syncthreads calls", e.Message, StringComparison.Ordinal);
    }

    [KernelFact(KernelArtifact.HostLibrary)]
    public void A_shuffle_mask_without_every_live_lane_fails_the_launch()
    {
        var e = Assert.Throws<KernelException>(() => Run("half_mask_shuffle_f32", 32));
        Assert.Contains("mask 0x0000ffff", e.Message, StringComparison.Ordinal);
        Assert.Contains("0xffffffff", e.Message, StringComparison.Ordinal);
    }

    [KernelFact(KernelArtifact.HostLibrary)]
    public void Shared_memory_nothing_wrote_reads_as_nan() =>
        Assert.All(Run("unwritten_shared_f32", 32, sharedBytes: 32 * sizeof(float)), v => Assert.True(float.IsNaN(v)));

    /// <summary>
    /// A static shared array is one copy per emulator worker, which outlives the block: block 0
    /// writes it, and every other block — on the same worker or not, in this launch or the next —
    /// must read the poison, not block 0's values or the copy's initial zeros.
    /// </summary>
    [KernelFact(KernelArtifact.HostLibrary)]
    public void Static_shared_memory_nothing_in_the_block_wrote_reads_as_nan()
    {
        const uint threads = 32, blocks = 64;
        var written = RunStaticShared(threads, blocks, writer: 0);
        Assert.All(written.Take((int)threads), v => Assert.Equal(7f, v));
        Assert.All(written.Skip((int)threads), v => Assert.True(float.IsNaN(v), $"read {v} where no thread of the block wrote"));
        Assert.All(RunStaticShared(threads, blocks, writer: -1), v => Assert.True(float.IsNaN(v), $"read {v} where no thread of the launch wrote"));
    }

    [KernelFact(KernelArtifact.HostLibrary)]
    public void A_race_gives_different_results_in_different_orders()
    {
        var library = KernelAvailability.RequireHostLibrary();
        try
        {
            var forward = Run("neighbour_race_f32", 32, sharedBytes: 32 * sizeof(float));
            library.SetThreadOrder(EmulatedThreadOrder.Reverse);
            var reverse = Run("neighbour_race_f32", 32, sharedBytes: 32 * sizeof(float));
            Assert.NotEqual(forward.Select(BitConverter.SingleToInt32Bits), reverse.Select(BitConverter.SingleToInt32Bits));
        }
        finally
        {
            library.SetThreadOrder(EmulatedThreadOrder.Forward);
        }
    }

    /// <summary>sum_f32 synchronises properly: its partials are the same bits in every order.</summary>
    [KernelFact(KernelArtifact.HostLibrary)]
    public void A_reduction_with_barriers_gives_the_same_bits_in_every_order()
    {
        var library = KernelAvailability.RequireHostLibrary();
        var x = Enumerable.Range(0, 10_007).Select(i => MathF.Sin(i) * 3).ToArray();
        try
        {
            var forward = Sum(library, x);
            foreach (var (order, seed) in new[] { (EmulatedThreadOrder.Reverse, 0u), (EmulatedThreadOrder.Shuffled, 1u), (EmulatedThreadOrder.Shuffled, 2u) })
            {
                library.SetThreadOrder(order, seed);
                Assert.Equal(forward.Select(BitConverter.SingleToInt32Bits), Sum(library, x).Select(BitConverter.SingleToInt32Bits));
            }
        }
        finally
        {
            library.SetThreadOrder(EmulatedThreadOrder.Forward);
        }
    }

    /// <summary>sum_f32's per-block partials of <paramref name="x"/> over <paramref name="grid"/> blocks of 256.</summary>
    internal static float[] Sum(HostKernelLibrary library, float[] x, uint grid = 3)
    {
        const uint block = 256;
        var partials = new float[grid];
        int n = x.Length;
        fixed (float* px = x, pp = partials)
        {
            float* ax = px, ap = pp;
            void** args = stackalloc void*[] { &ax, &ap, &n };
            library.Launch("sum_f32", (grid, 1, 1), (block, 1, 1), block * sizeof(float), args);
        }
        return partials;
    }

    /// <summary>unwritten_static_shared_f32 over <paramref name="blocks"/> blocks, block <paramref name="writer"/> writing first.</summary>
    private static float[] RunStaticShared(uint threads, uint blocks, int writer)
    {
        var library = KernelAvailability.RequireHostLibrary();
        var output = new float[threads * blocks];
        fixed (float* po = output)
        {
            float* ao = po;
            void** args = stackalloc void*[] { &ao, &writer };
            library.Launch("unwritten_static_shared_f32", (blocks, 1, 1), (threads, 1, 1), 0, args);
        }
        return output;
    }

    /// <summary>Launches a one-block kernel taking (float* out) and returns what it wrote.</summary>
    private static float[] Run(string kernel, uint threads, uint sharedBytes = 0)
    {
        var library = KernelAvailability.RequireHostLibrary();
        var output = new float[threads];
        fixed (float* po = output)
        {
            float* ao = po;
            void** args = stackalloc void*[] { &ao };
            library.Launch(kernel, (1, 1, 1), (threads, 1, 1), sharedBytes, args);
        }
        return output;
    }
}

/// <summary>Tests that change the emulation's process-wide thread order run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadOrderCollection
{
    public const string Name = "emulated thread order";
}
