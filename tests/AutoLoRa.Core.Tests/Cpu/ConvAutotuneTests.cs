using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;
using static AutoLoRa.Core.Tests.Support.CpuBuffers;
using AutoLoRa.Cpu;
using AutoLoRa.Cpu.Convolution;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// Choosing convolution algorithms by measurement: every candidate is correct before it may win,
/// the cache survives a round trip through its file, ignores what it must (corrupt files, other
/// CPUs) with one warning line, and without autotuning the choice is fixed and the results repeat.
/// </summary>
[Collection(AloneCollection.Name)] // counts warm calls' allocations on its thread
[Trait("Backend", "cpu")]
public sealed class ConvAutotuneTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"autolora-autotune-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    // n, c, h, w, k, stride, kernel: shapes whose passes between them have every candidate (Winograd's three
    // schedules, direct with 16- and 8-pixel rows, GEMM, GEMM from padded copies, GEMM + Col2Im, sub-pixel, GEMM spreading into strided positions, direct into few channels and from few inputs, the shortcut's direct forward), including Winograd where the fixed
    // rule would not use it (6×6 and 2×2 outputs, mostly wasted tiles; a 16 × 16-channel filter gradient).
    [Theory]
    [InlineData(2, 16, 8, 16, 32, 1, 3)]
    [InlineData(2, 16, 6, 6, 16, 1, 3)]
    [InlineData(3, 32, 2, 2, 16, 1, 3)]
    [InlineData(5, 16, 16, 16, 16, 1, 3)]
    [InlineData(6, 32, 16, 16, 32, 1, 3)] // three small Winograd blocks of two images
    [InlineData(2, 16, 8, 8, 16, 1, 3)]
    [InlineData(2, 5, 16, 16, 11, 2, 3)]
    [InlineData(2, 16, 8, 16, 16, 1, 1)]
    [InlineData(2, 16, 4, 8, 16, 1, 3)] // the gradient table's Winograd-sized convolution: 4×8, one tile row
    // The sub-pixel data gradient of 3×3 stride-2 layers: every parity of H and W (so every phase size), batch 1,
    // odd channel counts and counts off the 16-lane vector, one-row and one-column inputs (empty odd phases), a
    // 2×2 phase deeper than one GEMM depth block (4·70 > 256) with panels spanning images, rows wide enough to interleave by vectors.
    [InlineData(1, 3, 7, 9, 5, 2, 3)]
    [InlineData(2, 17, 6, 5, 19, 2, 3)]
    [InlineData(3, 20, 10, 11, 70, 2, 3)]
    [InlineData(2, 7, 1, 2, 9, 2, 3)]
    [InlineData(1, 5, 2, 1, 3, 2, 3)]
    [InlineData(2, 33, 34, 35, 17, 2, 3)]
    [InlineData(5, 6, 17, 17, 10, 2, 3)] // 9×9 outputs: sub-pixel groups of three images and a last one of two
    [InlineData(1, 5, 7, 9, 3, 2, 1)] // a 1×1 stride-2 shortcut of odd size (the padded GEMM forward: phases without padding)
    [InlineData(3, 9, 8, 10, 21, 2, 1)]
    // gemm-spread (data gradient) on 1×1 stride-2 shortcuts: 3 channels, batch 1, odd rows and columns (a last even column without
    // an odd partner), rows wide enough to spread by vectors (67 = 2·32 + 3), three groups of 32 images and fewer (4×4 outputs).
    // direct-row-pairs: 8-pixel output rows, 3 channels, batch 1, stride 1 and stride 2 from an odd height (15 → 8), 5 filters (a short channel block).
    [InlineData(1, 3, 8, 8, 5, 1, 3)]
    [InlineData(1, 3, 15, 16, 5, 2, 3)]
    [InlineData(2, 16, 16, 16, 24, 2, 3)]
    [InlineData(1, 3, 9, 67, 4, 2, 1)]
    [InlineData(2, 3, 5, 5, 7, 2, 1)]
    [InlineData(70, 3, 7, 8, 5, 2, 1)]
    // direct-row-pairs on AVX2 (4-pixel rows): batch 1 with a short 6-channel block, stride 2 from an odd height (7 → 4) with 13 filters.
    [InlineData(1, 3, 4, 4, 5, 1, 3)]
    [InlineData(2, 3, 7, 8, 13, 2, 3)]
    // direct-few-channels: forward and stride-1 data gradient with at most 3 channels on one side — one 128-pixel
    // tile, 3 tiles of an odd batch, 9 vectors (the last tile overlapping the first), 2 and 1 channels, 5 and 7 output
    // channels from 3 and 2 (3-channel blocks, the last short), a 1×1, and a stride-2 forward from phase-split padding.
    [InlineData(1, 3, 8, 16, 5, 1, 3)]
    [InlineData(3, 2, 12, 32, 7, 1, 3)]
    [InlineData(2, 3, 9, 16, 3, 1, 3)]
    [InlineData(1, 1, 10, 16, 2, 1, 1)]
    [InlineData(2, 5, 32, 32, 3, 2, 3)]
    // direct-few-inputs: the forward of r18w16-b64's stem (3 → 16, 3-vector tiles across rows), 3 → 11 (a short last block),
    // and a data gradient into 2 channels (the forward of dy from 2 channels); the cases above run it on 128-pixel planes.
    [InlineData(2, 3, 32, 32, 16, 1, 3)]
    [InlineData(1, 3, 6, 16, 11, 1, 3)]
    [InlineData(2, 7, 8, 8, 2, 1, 3)]
    // pointwise-direct (forward of a 1×1 stride-2 shortcut): 64-pixel planes of an odd batch, 16-pixel planes alone
    // (one vector, batch 1) and in groups with an odd vector count, 5 rows from an odd height.
    [InlineData(3, 5, 8, 32, 8, 2, 1)]
    [InlineData(1, 3, 8, 8, 16, 2, 1)]
    [InlineData(5, 9, 8, 8, 24, 2, 1)]
    [InlineData(2, 4, 9, 32, 8, 2, 1)]
    // gemm-padded packing runs of 4 and 8 floats (strided 3×3 forward, small planes): 4×4 outputs of an odd batch with
    // 14 filters (a short last row panel), 8×8 outputs from an odd height, 3×3 outputs (runs of 3, panels spanning images).
    [InlineData(3, 6, 7, 7, 14, 2, 3)]
    [InlineData(3, 5, 15, 16, 9, 2, 3)]
    [InlineData(3, 4, 6, 5, 7, 2, 3)]
    // The blocked filter gradient: batch 1 with 3 output channels, channels off its 16- and 8-channel blocks.
    [InlineData(1, 20, 6, 7, 3, 1, 3)]
    [InlineData(1, 3, 9, 9, 3, 2, 3)]
    public void Every_candidate_matches_the_reference_before_it_may_win(int n, int c, int h, int w, int k, int stride, int kernel)
    {
        var g = new ConvGeometry(n, c, h, w, k, kernel, kernel, stride, stride, kernel / 2, kernel / 2);
        using var backend = new CpuBackend { ChoiceCache = new ConvChoiceCache(null, "test", TextWriter.Null) };
        float[] x = TestData.Uniform(g.InputSize, 51), wt = TestData.Uniform(g.FilterSize, 52), dy = TestData.Uniform(g.OutputSize, 53);
        float[] bias = TestData.Uniform(k, 54);
        foreach (var pass in Enum.GetValues<ConvPass>())
        {
            var candidates = Candidates(g, pass);
            Assert.Contains(CpuBackend.FixedChoice(g, pass, winograd: true), candidates);
            foreach (var algorithm in candidates)
            {
                backend.ConvolutionOverride = algorithm;
                bool winograd = WinogradConvolution.IsSchedule(algorithm);
                // Winograd's transforms round (see CpuConvolutionTests); the others sum the same products in another order.
                float atol = winograd ? 2e-5f * MathF.Sqrt(9 * Math.Max(c, k)) : 1e-4f;
                string what = $"{algorithm.Name()} {pass} {g}";
                switch (pass)
                {
                    case ConvPass.Forward:
                        TestData.AssertClose(ConvReference.Forward(g, x, wt, bias), Run(backend, g.OutputSize, (b, o) => b.Conv2dForward(g, Up(b, x), Up(b, wt), Up(b, bias), o)), 1e-4f, atol, what);
                        break;
                    case ConvPass.DataGradient:
                        TestData.AssertClose(ConvReference.BackwardData(g, dy, wt), Run(backend, g.InputSize, (b, o) => b.Conv2dBackwardData(g, Up(b, dy), Up(b, wt), o)), 1e-4f, atol, what);
                        break;
                    default:
                        float filterAtol = winograd ? 2e-5f * MathF.Sqrt(g.N * g.OutH * g.OutW) : 1e-4f;
                        TestData.AssertClose(ConvReference.BackwardFilter(g, x, dy), Run(backend, g.FilterSize, (b, o) => b.Conv2dBackwardFilter(g, Up(b, x), Up(b, dy), o)), 1e-3f, filterAtol, what);
                        break;
                }
            }
        }
    }

    [Fact]
    public void A_strided_pointwise_data_gradient_has_the_spreading_GEMM_among_its_candidates()
    {
        // Not for padding or stride 1, nor for the forward (it measured slower there).
        var shortcut = new ConvGeometry(2, 8, 9, 9, 4, 1, 1, 2, 2, 0, 0);
        Assert.Contains(ConvAlgorithm.GemmSpread, Candidates(shortcut, ConvPass.DataGradient));
        Assert.DoesNotContain(ConvAlgorithm.GemmSpread, Candidates(shortcut, ConvPass.Forward));
        Assert.DoesNotContain(ConvAlgorithm.GemmSpread, Candidates(new ConvGeometry(2, 8, 9, 9, 4, 1, 1, 2, 2, 1, 1), ConvPass.DataGradient));
        Assert.DoesNotContain(ConvAlgorithm.GemmSpread, Candidates(new ConvGeometry(2, 8, 9, 9, 4, 1, 1, 1, 1, 0, 0), ConvPass.DataGradient));
        Assert.DoesNotContain(ConvAlgorithm.GemmSpread, Candidates(new ConvGeometry(2, 8, 9, 9, 4, 3, 3, 2, 2, 1, 1), ConvPass.DataGradient));
    }

    [Fact]
    public void A_forced_algorithm_that_cannot_run_the_shape_is_refused()
    {
        using var backend = new CpuBackend { ConvolutionOverride = ConvAlgorithm.Direct };
        var g = new ConvGeometry(1, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1); // 5-pixel rows: no whole vectors
        var ex = Assert.Throws<BackendException>(() => Run(backend, g.OutputSize, (b, o) => b.Conv2dForward(g, b.Allocate(g.InputSize), b.Allocate(g.FilterSize), null, o)));
        Assert.Contains("direct", ex.Message);
    }

    [Fact]
    public void Processes_storing_choices_converge_in_the_file_and_on_the_algorithm_they_run()
    {
        string path = Path.Combine(_folder, "choices.txt");
        var shared = new ConvChoiceKey(ConvPass.Forward, true, new ConvGeometry(8, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1));
        var onlyA = shared with { Pass = ConvPass.DataGradient };
        var onlyB = shared with { Pass = ConvPass.FilterGradient };
        var log = new StringWriter();
        // Two processes started before either saved anything: both measure the shared shape.
        var a = new ConvChoiceCache(path, "cpu-a", log);
        var b = new ConvChoiceCache(path, "cpu-a", log);
        Assert.Equal(ConvAlgorithm.WinogradShared, a.Store(shared, ConvAlgorithm.WinogradShared));
        Assert.Equal(ConvAlgorithm.Direct, a.Store(onlyA, ConvAlgorithm.Direct));
        // b measured gemm for the shared shape but has not run it: it runs what a saved first, as a
        // resumed run reading the file will (two ranks running their own winners would not repeat).
        Assert.Equal(ConvAlgorithm.WinogradShared, b.Store(shared, ConvAlgorithm.Gemm));
        Assert.Equal(ConvAlgorithm.Gemm, b.Store(onlyB, ConvAlgorithm.Gemm));
        Assert.True(b.TryGet(shared, out var adoptedShared) && adoptedShared == ConvAlgorithm.WinogradShared);
        Assert.True(b.TryGet(onlyA, out var adopted) && adopted == ConvAlgorithm.Direct);
        var next = new ConvChoiceCache(path, "cpu-a", log);
        Assert.Equal(3, next.Count);
        Assert.True(next.TryGet(shared, out var s) && s == ConvAlgorithm.WinogradShared);
        Assert.True(next.TryGet(onlyA, out var x) && x == ConvAlgorithm.Direct);
        Assert.True(next.TryGet(onlyB, out var y) && y == ConvAlgorithm.Gemm);
        Assert.Equal("", log.ToString());

        // A shape a process has run keeps its algorithm whatever the file says later: the file
        // deleted and the shared shape saved anew with another choice, b's next store leaves it be.
        File.Delete(path);
        new ConvChoiceCache(path, "cpu-a", log).Store(shared, ConvAlgorithm.Gemm);
        b.Store(onlyB with { Winograd = false }, ConvAlgorithm.Direct);
        Assert.True(b.TryGet(shared, out var kept) && kept == ConvAlgorithm.WinogradShared);
    }

    [Fact]
    public async Task A_store_waits_while_another_process_holds_the_lock_then_takes_its_choice()
    {
        string path = Path.Combine(_folder, "choices.txt");
        var key = new ConvChoiceKey(ConvPass.Forward, true, new ConvGeometry(8, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1));
        var waiting = new ConvChoiceCache(path, "cpu-a", TextWriter.Null);
        // What the other process will save: direct for this shape, in this version's format (a file
        // a store wrote for the data gradient of the shape, its pass renamed).
        new ConvChoiceCache(path, "cpu-a", TextWriter.Null).Store(key with { Pass = ConvPass.DataGradient }, ConvAlgorithm.Direct);
        string theirs = File.ReadAllText(path).Replace("data winograd", "forward winograd", StringComparison.Ordinal);
        File.Delete(path);
        Task<ConvAlgorithm> store;
        // Another process in the middle of its store: it holds the lock and has not yet written.
        using (new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            // On a thread of its own: a busy thread pool (tests run in parallel) must not delay its start.
            store = Task.Factory.StartNew(() => waiting.Store(key, ConvAlgorithm.Gemm), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Assert.NotSame(store, await Task.WhenAny(store, Task.Delay(300))); // still waiting for the lock
            // It writes its winner for the same shape, then releases the lock.
            File.WriteAllText(path, theirs);
        }
        Assert.Equal(ConvAlgorithm.Direct, await store.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Measured_choices_survive_a_round_trip_through_the_file()
    {
        string path = Path.Combine(_folder, "choices.txt");
        var first = new ConvChoiceKey(ConvPass.Forward, true, new ConvGeometry(32, 64, 32, 32, 64, 3, 3, 1, 1, 1, 1));
        var second = new ConvChoiceKey(ConvPass.FilterGradient, false, new ConvGeometry(32, 128, 16, 16, 256, 1, 1, 2, 2, 0, 0));
        var log = new StringWriter();
        var cache = new ConvChoiceCache(path, "cpu-a", log);
        cache.Store(first, ConvAlgorithm.WinogradPerCore);
        cache.Store(second, ConvAlgorithm.Gemm);

        var reloaded = new ConvChoiceCache(path, "cpu-a", log);
        Assert.Equal(2, reloaded.Count);
        Assert.True(reloaded.TryGet(first, out var a) && a == ConvAlgorithm.WinogradPerCore);
        Assert.True(reloaded.TryGet(second, out var b) && b == ConvAlgorithm.Gemm);
        Assert.False(reloaded.TryGet(first with { Winograd = false }, out _));
        Assert.Equal("", log.ToString());
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp")); // the temporary file was renamed, not left behind
    }

    [Theory]
    [InlineData("garbage\0\u0001 not a cache")]
    [InlineData("autolora conv-algorithms 8\ncpu cpu-a\nforward winograd 1 2 3\n")] // a truncated line
    [InlineData("autolora conv-algorithms 8\ncpu cpu-a\nforward winograd 1 16 8 8 16 3 3 1 1 1 1 fastest\n")] // an unknown algorithm
    [InlineData("autolora conv-algorithms 8\ncpu cpu-a\nforward winograd 0 16 8 8 16 3 3 1 1 1 1 direct\n")] // an invalid geometry
    [InlineData("autolora conv-algorithms 2\ncpu cpu-a\nfilter winograd 2 16 8 8 16 3 3 1 1 1 1 direct\n")] // version 2: chosen before the blocked candidate
    [InlineData("autolora conv-algorithms 3\ncpu cpu-a\ndata winograd 2 3 32 32 16 3 3 1 1 1 1 gemm-col2im\n")] // version 3: chosen before direct-few-channels
    [InlineData("autolora conv-algorithms 4\ncpu cpu-a\nforward winograd 2 16 8 8 16 3 3 1 1 1 1 direct\n")] // version 4: chosen on AVX2 before Winograd ran there
    [InlineData("autolora conv-algorithms 4\ncpu cpu-a\nforward winograd 2 128 4 4 128 3 3 1 1 1 1 gemm\n")] // version 4: chosen before AVX2's direct-row-pairs
    [InlineData("autolora conv-algorithms 4\ncpu cpu-a\nfilter winograd 64 16 32 32 32 1 1 2 2 0 0 gemm\n")] // version 4: chosen before the AVX2 filter-gradient copies
    [InlineData("autolora conv-algorithms 5\ncpu cpu-a\nforward winograd 64 64 8 8 128 3 3 2 2 1 1 direct-row-pairs\n")] // version 5: chosen before gemm-padded's faster packing
    [InlineData("autolora conv-algorithms 6\ncpu cpu-a\nfilter winograd 64 16 32 32 16 3 3 1 1 1 1 blocked\n")] // version 6: chosen before the filter gradient's winograd-per-core
    [InlineData("autolora conv-algorithms 7\ncpu cpu-a\nfilter winograd 64 128 4 4 128 3 3 1 1 1 1 winograd\n")] // version 7: judged by fastest calls
    [InlineData("autolora conv-algorithms 7\ncpu cpu-a\nforward winograd 64 16 32 32 16 3 3 1 1 1 1 direct\n")] // version 7: chosen before the 8-lane Winograd output stage's whole lines
    [InlineData("autolora conv-algorithms 7\ncpu cpu-a\nforward winograd 64 3 32 32 16 3 3 1 1 1 1 direct-few-channels\n")] // version 7: chosen before direct-few-inputs
    public void A_corrupt_file_is_ignored_with_one_warning_and_replaced(string contents)
    {
        string path = Path.Combine(_folder, "choices.txt");
        Directory.CreateDirectory(_folder);
        File.WriteAllText(path, contents);
        var log = new StringWriter();
        var cache = new ConvChoiceCache(path, "cpu-a", log);
        Assert.Equal(0, cache.Count);
        Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(path, log.ToString());

        var key = new ConvChoiceKey(ConvPass.DataGradient, true, new ConvGeometry(2, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1));
        cache.Store(key, ConvAlgorithm.Direct);
        Assert.True(new ConvChoiceCache(path, "cpu-a", TextWriter.Null).TryGet(key, out var stored) && stored == ConvAlgorithm.Direct);
    }

    [Fact]
    public void A_file_measured_on_another_cpu_is_ignored_with_one_warning()
    {
        string path = Path.Combine(_folder, "choices.txt");
        var key = new ConvChoiceKey(ConvPass.Forward, true, new ConvGeometry(2, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1));
        new ConvChoiceCache(path, "AuthenticAMD/25/17/zen4", TextWriter.Null).Store(key, ConvAlgorithm.Direct);

        var log = new StringWriter();
        var cache = new ConvChoiceCache(path, "AuthenticAMD/26/2/zen5", log);
        Assert.False(cache.TryGet(key, out _));
        Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("another CPU", log.ToString());
    }

    [Fact]
    public void A_cache_that_cannot_be_written_warns_once_and_keeps_its_choices_in_memory()
    {
        Directory.CreateDirectory(_folder);
        string blocker = Path.Combine(_folder, "a-file");
        File.WriteAllText(blocker, "");
        var log = new StringWriter();
        var cache = new ConvChoiceCache(Path.Combine(blocker, "sub", "choices.txt"), "cpu-a", log); // a directory under a file
        var key = new ConvChoiceKey(ConvPass.Forward, true, new ConvGeometry(2, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1));
        cache.Store(key, ConvAlgorithm.Gemm);
        cache.Store(key with { Pass = ConvPass.DataGradient }, ConvAlgorithm.Gemm);
        Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(cache.TryGet(key, out _));
    }

    [Fact]
    public void Autotuning_measures_once_then_remembers_without_allocating()
    {
        var cache = new ConvChoiceCache(null, "test", TextWriter.Null);
        using var backend = new CpuBackend { ChoiceCache = cache };
        var g = new ConvGeometry(4, 16, 16, 16, 32, 3, 3, 1, 1, 1, 1);
        var x = Filled(backend, g.InputSize);
        var w = Filled(backend, g.FilterSize);
        var y = backend.Allocate(g.OutputSize);
        var dx = backend.Allocate(g.InputSize);
        var dw = backend.Allocate(g.FilterSize);
        void Passes()
        {
            backend.Conv2dForward(g, x, w, null, y);
            backend.Conv2dBackwardData(g, y, w, dx);
            backend.Conv2dBackwardFilter(g, x, y, dw);
        }

        Assert.Null(backend.ConvolutionChoice(g, ConvPass.Forward));
        Passes();
        Assert.Equal(3, cache.Count);
        foreach (var pass in Enum.GetValues<ConvPass>()) Assert.Contains(backend.ConvolutionChoice(g, pass)!.Value, Candidates(g, pass));
        long scratch = backend.ConvScratchAllocations;
        Passes();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Passes();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(scratch, backend.ConvScratchAllocations);
        Assert.Equal(3, cache.Count);
        foreach (var b in new[] { x, w, y, dx, dw }) b.Release();
    }

    [Fact]
    public void Without_autotuning_the_choice_is_the_fixed_rule_and_results_repeat_bit_for_bit()
    {
        var cache = new ConvChoiceCache(null, "test", TextWriter.Null);
        var g = new ConvGeometry(3, 16, 8, 16, 32, 3, 3, 1, 1, 1, 1);
        float[] x = TestData.Uniform(g.InputSize, 61), wt = TestData.Uniform(g.FilterSize, 62), dy = TestData.Uniform(g.OutputSize, 63);
        float[][] Results()
        {
            using var backend = new CpuBackend { Autotune = false, ChoiceCache = cache };
            foreach (var pass in Enum.GetValues<ConvPass>()) Assert.Equal(CpuBackend.FixedChoice(g, pass, winograd: true), backend.ConvolutionChoice(g, pass));
            return
            [
                Run(backend, g.OutputSize, (b, o) => b.Conv2dForward(g, Up(b, x), Up(b, wt), null, o)),
                Run(backend, g.InputSize, (b, o) => b.Conv2dBackwardData(g, Up(b, dy), Up(b, wt), o)),
                Run(backend, g.FilterSize, (b, o) => b.Conv2dBackwardFilter(g, Up(b, x), Up(b, dy), o)),
            ];
        }

        var first = Results();
        var second = Results();
        for (int i = 0; i < first.Length; i++) Assert.Equal(first[i], second[i]);
        Assert.Equal(0, cache.Count); // nothing was measured
    }

    [Fact]
    public void The_cpu_identity_names_vendor_family_model_and_the_extensions_in_use()
    {
        var cpu = CpuIdentity.Current;
        Assert.False(string.IsNullOrWhiteSpace(cpu.Vendor));
        Assert.False(string.IsNullOrWhiteSpace(cpu.ModelName));
        Assert.Equal(CpuBackend.Threads, cpu.Threads);
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, cpu.Extensions.Contains("avx512f"));
        Assert.DoesNotContain(' ', cpu.Key);
        Assert.Contains($"family {cpu.Family} model {cpu.Model}", cpu.ToString());
        if (File.Exists("/proc/cpuinfo") && System.Runtime.Intrinsics.X86.X86Base.IsSupported)
        {
            // CPUID and the kernel agree on family and model.
            string info = File.ReadAllText("/proc/cpuinfo");
            Assert.Contains($"cpu family\t: {cpu.Family}\n", info);
            Assert.Contains($"model\t\t: {cpu.Model}\n", info);
        }
    }

    private static ConvAlgorithm[] Candidates(in ConvGeometry g, ConvPass pass)
    {
        using var backend = new CpuBackend();
        return backend.ConvolutionCandidates(g, pass);
    }

    private static DeviceBuffer Filled(Backend backend, int length) => Up(backend, TestData.Uniform(length, length));
}
