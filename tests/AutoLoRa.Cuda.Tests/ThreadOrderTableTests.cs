using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Kernels;
using AutoLoRa.Verify;
using Xunit.Abstractions;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// The whole verification table on cuda-emu again, with every block's threads taking turns in
/// other orders than the default forward one (reverse, and a seeded shuffle), each case checked
/// against its reference as in the default run. A GPU promises no order, so a kernel that is right
/// only in some orders has a race that the default run cannot see; the last test shows one (a
/// test-only kernel of kernels/emulator_checks.cu) passing in the default order and failing here.
/// Filter with <c>Emulation=thread-orders</c>.
/// </summary>
[Trait("Backend", "cuda-emu")]
[Trait("Emulation", "thread-orders")]
[Collection(EmulatedThreadOrderCollection.Name)]
public sealed unsafe class ThreadOrderTableTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Any fixed seed: the shuffle is drawn from it and the block's index, so a failure reproduces.</summary>
    private const uint ShuffleSeed = 20261205;

    private readonly EmulatedCaseChecks _checks = new();

    [Theory]
    [InlineData(EmulatedThreadOrder.Reverse, 0u)]
    [InlineData(EmulatedThreadOrder.Shuffled, ShuffleSeed)]
    public void Every_case_of_the_table_matches_its_reference(EmulatedThreadOrder order, uint seed)
    {
        var library = HostKernelLibrary.Load();
        var failures = new List<string>();
        int kernelCases = 0;
        foreach (var c in VerificationTable.All)
        {
            ulong before = library.LaunchCount;
            var outcome = CheckIn(order, seed, c);
            if (library.LaunchCount != before) kernelCases++;
            if (!outcome.Passed) failures.Add($"{c.Name}: {outcome.Detail}");
        }
        output.WriteLine($"{order} (seed {seed}): {kernelCases} of {VerificationTable.All.Count} cases launched our kernels; {failures.Count} failed");
        // The cases that only call cuBLAS or cuDNN (the emulated runtime's references) have no threads
        // to reorder; the rest must be most of the table, or the orders were never exercised.
        Assert.True(2 * kernelCases > VerificationTable.All.Count, $"only {kernelCases} of {VerificationTable.All.Count} cases launched a kernel");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void A_race_the_default_order_hides_fails_in_the_other_orders()
    {
        var race = UnsynchronisedSum(threads: 64);
        Assert.True(CheckIn(EmulatedThreadOrder.Forward, 0, race).Passed, "the race case should pass in the default order, or it proves nothing");
        var reverse = CheckIn(EmulatedThreadOrder.Reverse, 0, race);
        var shuffled = CheckIn(EmulatedThreadOrder.Shuffled, ShuffleSeed, race);
        output.WriteLine($"reverse: {reverse.Detail}\nshuffled: {shuffled.Detail}");
        Assert.False(reverse.Passed);
        Assert.False(shuffled.Passed);
    }

    public void Dispose() => _checks.Dispose();

    /// <summary>Checks <paramref name="c"/> with the threads in <paramref name="order"/>, and puts the default order back.</summary>
    private CaseOutcome CheckIn(EmulatedThreadOrder order, uint seed, VerificationCase c) =>
        _checks.Check(c, library => library.SetThreadOrder(order, seed), library => library.SetThreadOrder(EmulatedThreadOrder.Forward));

    /// <summary>A table-style case of unsynchronised_sum_f32: one block sums its inputs, with the reference sum.</summary>
    private static PrimitiveCase UnsynchronisedSum(int threads)
    {
        var x = Enumerable.Range(0, threads).Select(i => (float)(1 + i % 5)).ToArray();
        var buffers = new CaseBuffers();
        int input = buffers.In(x);
        int sum = buffers.Out(1, Tolerance.Exact("small integers add exactly in float"), "sum");
        return new PrimitiveCase
        {
            Family = "emulator checks", Name = $"unsynchronised_sum_f32 {threads}", Buffers = buffers,
            Run = (backend, b) => Launch((CudaBackend)backend, b[input], b[sum], (uint)threads),
            HostReference = data => [new[] { ((float[])data[input]).Sum() }],
        };
    }

    private static void Launch(CudaBackend backend, DeviceBuffer x, DeviceBuffer sum, uint threads)
    {
        ulong px = ((CudaBuffer)x).Pointer, ps = ((CudaBuffer)sum).Pointer;
        void** args = stackalloc void*[] { &px, &ps };
        backend.Runtime.Launch("unsynchronised_sum_f32", new Dim3(1), new Dim3(threads), threads * sizeof(float), args);
    }
}

/// <summary>Tests that change the emulation's process-wide thread order run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EmulatedThreadOrderCollection
{
    public const string Name = "emulated thread order";
}
