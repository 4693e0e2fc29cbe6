namespace AutoLoRa.Kernels.Tests;

/// <summary>
/// The emulation's workers live from launch to launch (kernels/emulation/host_runtime.cpp), so a
/// launch must not see another's arguments, shape or failure: concurrent launches from several
/// threads (as the driver stand-in's streams make them) each get their own results, and a launch
/// after a failed one runs as if the failure never happened.
/// </summary>
public sealed unsafe class EmulatorPoolTests
{
    [KernelFact(KernelArtifact.HostLibrary)]
    public void Launches_from_several_threads_at_once_each_get_their_own_results()
    {
        var library = KernelAvailability.RequireHostLibrary();
        // Different lengths and block counts per thread, so mixed-up arguments or shapes show.
        var inputs = Enumerable.Range(0, 4).Select(t => Data(5_000 + 1_237 * t, seed: t)).ToArray();
        var expected = inputs.Select((x, t) => Sum(library, x, grid: (uint)(2 + t))).ToArray();
        var start = new Barrier(inputs.Length);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = inputs.Select((x, t) => new Thread(() =>
        {
            start.SignalAndWait();
            for (int round = 0; round < 25; round++)
            {
                var partials = Sum(library, x, grid: (uint)(2 + t));
                if (!partials.SequenceEqual(expected[t])) failures.Add($"thread {t} round {round}: [{string.Join(", ", partials)}] instead of [{string.Join(", ", expected[t])}]");
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        Assert.Empty(failures);
    }

    [KernelFact(KernelArtifact.HostLibrary)]
    public void A_launch_after_a_failed_one_runs_as_before()
    {
        var library = KernelAvailability.RequireHostLibrary();
        var x = Data(10_007, seed: 7);
        var before = Sum(library, x, grid: 9);
        var output = new float[64];
        fixed (float* po = output)
        {
            float* ao = po;
            void** args = stackalloc void*[] { &ao };
            // Several blocks, so several workers see the failure.
            Assert.Throws<KernelException>(() => library.Launch("divergent_barrier_f32", (8, 1, 1), (64, 1, 1), 0, args));
        }
        Assert.Equal(before, Sum(library, x, grid: 9));
    }

    private static float[] Sum(HostKernelLibrary library, float[] x, uint grid) => EmulatorStrictnessTests.Sum(library, x, grid);

    // Pinned: sum_f32 reads float4 quads from x's first 16-byte boundary, so its rounding follows
    // x's address, and an array the GC moved between launches would sum in another grouping.
    private static float[] Data(int n, int seed)
    {
        var random = new Random(seed);
        var data = GC.AllocateUninitializedArray<float>(n, pinned: true);
        for (int i = 0; i < n; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }
}
