using System.Diagnostics;
using AutoLoRa.Cpu;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The worker pool every CPU primitive runs on: each item exactly once, nested and concurrent calls,
/// failures, and the hand-over between calls whether the other side is still polling or has gone to
/// sleep (calls back to back; calls a few milliseconds apart, longer than the poll, so the helpers
/// sleep between them; items slower than the poll, so the caller sleeps waiting for them).
/// </summary>
public sealed class CpuParallelTests
{
    [Fact]
    public void Pool_runs_every_item_once_including_nested_calls()
    {
        var hits = new int[64 * 16];
        CpuParallel.For(64, new Outer(hits));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Pool_is_correct_under_concurrent_callers()
    {
        const int callers = 6, items = 200;
        var hits = new int[callers][];
        var threads = new Thread[callers];
        for (int t = 0; t < callers; t++)
        {
            var mine = hits[t] = new int[items];
            threads[t] = new Thread(() =>
            {
                for (int round = 0; round < 50; round++) CpuParallel.For(items, new Count(mine));
            });
            threads[t].Start();
        }
        foreach (var thread in threads) thread.Join();
        foreach (var h in hits) Assert.All(h, v => Assert.Equal(50, v));
    }

    [Fact]
    public void Pool_surfaces_a_failing_item_and_keeps_working()
    {
        Assert.Throws<InvalidOperationException>(() => CpuParallel.For(32, new Throws()));
        var hits = new int[32];
        CpuParallel.For(32, new Count(hits));
        Assert.All(hits, v => Assert.Equal(1, v));
    }

    [Theory]
    [InlineData(0)] // back to back: the helpers are still polling
    [InlineData(3)] // 3 ms apart, past the poll: every call wakes sleeping helpers
    public void Calls_hand_over_whether_the_helpers_poll_or_sleep(int gapMs)
    {
        const int rounds = 200, items = 8;
        var hits = new int[items];
        for (int round = 0; round < rounds; round++)
        {
            if (gapMs > 0) Thread.Sleep(gapMs);
            CpuParallel.For(items, new CountAndBusy(hits, spinMicroseconds: 50));
        }
        // Which thread ran which item is the scheduler's business (on a loaded machine the helper may
        // get none); that every item ran exactly once and no call hung is the pool's.
        Assert.All(hits, v => Assert.Equal(rounds, v));
    }

    [Fact]
    public void The_caller_sleeps_through_slow_items_and_wakes_when_they_finish()
    {
        // Items of 2 ms outlast the caller's poll, so it blocks and must be woken by the last helper.
        var hits = new int[4];
        for (int round = 0; round < 20; round++) CpuParallel.For(hits.Length, new CountAndBusy(hits, spinMicroseconds: 2000));
        Assert.All(hits, v => Assert.Equal(20, v));
    }

    private readonly struct Count(int[] hits) : IParallelWork
    {
        public void Execute(int index) => Interlocked.Increment(ref hits[index]);
    }

    /// <summary>Counts the item and busies itself a while.</summary>
    private readonly struct CountAndBusy(int[] hits, int spinMicroseconds) : IParallelWork
    {
        public void Execute(int index)
        {
            Interlocked.Increment(ref hits[index]);
            long end = Stopwatch.GetTimestamp() + spinMicroseconds * Stopwatch.Frequency / 1_000_000;
            while (Stopwatch.GetTimestamp() < end) Thread.SpinWait(4);
        }
    }

    private readonly struct Outer(int[] hits) : IParallelWork
    {
        // A nested For from inside a work item: must run (inline) and must not deadlock.
        public void Execute(int index) => CpuParallel.For(16, new Slice(hits, index * 16));
    }

    private readonly struct Slice(int[] hits, int start) : IParallelWork
    {
        public void Execute(int index) => Interlocked.Increment(ref hits[start + index]);
    }

    private readonly struct Throws : IParallelWork
    {
        public void Execute(int index)
        {
            if (index == 7) throw new InvalidOperationException("item 7 fails on purpose");
        }
    }
}
