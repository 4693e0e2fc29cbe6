using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace AutoLoRa.Cpu;

/// <summary>One unit of data-parallel work; a struct so scheduling it allocates nothing.</summary>
internal interface IParallelWork
{
    void Execute(int index);
}

/// <summary>
/// Runs independent work items on all cores through a persistent pool of worker threads.
/// A call allocates nothing in steady state: the work struct is copied into a runner object that
/// exists once per work type, and the workers find it by polling a job counter, or through the
/// semaphores they block on once they have polled for a while (see <see cref="Pool"/>).
/// One job runs on the pool at a time. A call made while the pool is busy (from another thread,
/// or re-entrantly from inside a work item) runs its items inline on the calling thread, so nested
/// and concurrent use is always correct and can never deadlock; it just does not nest parallelism.
/// </summary>
internal static class CpuParallel
{
    public static int WorkerCount { get; } = Environment.ProcessorCount;

    // Held by the thread whose job is on the pool; TryEnter failing means "run inline".
    private static readonly Lock PoolLock = new();

    [ThreadStatic] private static bool t_insideWork;

    /// <summary>Calls work.Execute(i) for every i in [0, count), in parallel when it pays.</summary>
    public static void For<TWork>(int count, TWork work) where TWork : struct, IParallelWork
    {
        if (count <= 0) return;
        if (count == 1 || WorkerCount == 1 || t_insideWork)
        {
            RunInline(count, ref work);
            return;
        }
        // Made before the pool is tried, so a work type's runner exists after its first parallel-sized
        // call whether or not the pool was free then: a steady caller never allocates it later because
        // another thread happened to hold the pool during its warm-up.
        var runner = Runner<TWork>.Instance;
        if (!PoolLock.TryEnter())
        {
            RunInline(count, ref work);
            return;
        }

        try
        {
            runner.Prepare(count, work);
            try { Pool.Run(runner, Math.Min(count, WorkerCount) - 1); }
            finally { runner.Clear(); }
        }
        finally
        {
            PoolLock.Exit();
        }
    }

    private static void RunInline<TWork>(int count, ref TWork work) where TWork : struct, IParallelWork
    {
        for (int i = 0; i < count; i++) work.Execute(i);
    }

    /// <summary>The type-erased face of a job, so worker threads can run any work struct.</summary>
    private abstract class RunnerBase
    {
        private ExceptionDispatchInfo? _failure;

        /// <summary>Takes items until none are left. Safe to call from several threads at once.</summary>
        public abstract void Drain();

        public void RecordFailure(Exception e) => Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);

        public void ThrowIfFailed()
        {
            var failure = Interlocked.Exchange(ref _failure, null);
            failure?.Throw();
        }
    }

    private sealed class Runner<TWork> : RunnerBase where TWork : struct, IParallelWork
    {
        // One per work type is enough: only the holder of PoolLock touches it.
        public static readonly Runner<TWork> Instance = new();

        private TWork _work;
        private int _count;
        private int _chunk;
        private int _next;

        public void Prepare(int count, TWork work)
        {
            _work = work;
            _count = count;
            // Items are claimed a run at a time (an eighth of a worker's share): one shared counter
            // incremented per item bounced its cache line between the cores on every tiny item — in
            // the shared Winograd stages of a 16-channel layer a quarter to a third of the samples sat
            // in this loop — and neighbouring items written by different cores share cache lines.
            _chunk = Math.Max(1, count / (WorkerCount * 8));
            Volatile.Write(ref _next, 0);
        }

        /// <summary>Drops the work struct so the references it holds do not outlive the call.</summary>
        public void Clear() => _work = default;

        public override void Drain()
        {
            int chunk = _chunk, start;
            while ((start = Interlocked.Add(ref _next, chunk) - chunk) < _count)
            {
                int end = Math.Min(start + chunk, _count);
                for (int i = start; i < end; i++)
                {
                    // Work items are independent; a failing one must not stop the others from finishing.
                    try { _work.Execute(i); }
                    catch (Exception e) { RecordFailure(e); }
                }
            }
        }
    }

    /// <summary>
    /// WorkerCount − 1 background threads; the calling thread is the last participant.
    /// <para>
    /// Handing work over spins before it sleeps, on both sides. A step makes about a thousand
    /// parallel calls with short serial gaps between them; a worker that went to sleep in such a
    /// gap has to be woken through the kernel, and on a virtual machine an idle vCPU halts, so the
    /// wake-up is an interrupt through the hypervisor: measured on the 2-vCPU Zen 5 machine, tens of
    /// microseconds per call (a ping-pong with 8 µs of work on each side took 30–38 µs per call through
    /// semaphores, 17 µs spinning), and the semaphores' own spinning ends in sched_yield system calls
    /// (2.5 % of a step's samples). So a worker polls for the next job for <see cref="SpinTicks"/>
    /// (mostly PAUSE, see <see cref="Poll"/>) and only then blocks on its semaphore; the caller likewise polls for the
    /// helpers to finish before blocking. OpenMP runtimes do the same (their spin-wait before sleeping).
    /// </para>
    /// <para>
    /// The sleep handshake: a sleeper raises its flag, then reads its condition (a new job; the
    /// helpers all done), both full fences; the waker makes the condition true, then takes the flag
    /// down and releases the semaphore if it was up. So a sleeper that reads the condition false is
    /// released exactly once; one that reads it true takes its own flag down, and if the waker got there
    /// first, consumes the release that is coming, so no stale count ends a later sleep early.
    /// </para>
    /// </summary>
    private static class Pool
    {
        /// <summary>How long either side polls before blocking: long enough to bridge the serial gaps
        /// between the parallel calls of a step, short enough that an idle process stops burning a core.</summary>
        private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

        /// <summary>
        /// One poll: a short PAUSE loop, and every 64th time (about every 20 µs) a yield, so a poller
        /// sharing its core with another runnable thread (more processes than cores: parallel test
        /// runs, oversubscribed MPI ranks) gives the core up instead of burning its whole slice.
        /// </summary>
        private static void Poll(ref int polls)
        {
            if ((++polls & 63) == 0) Thread.Yield();
            else Thread.SpinWait(8);
        }

        // Per worker: 1 while it is (about to be) blocked on its semaphore, so the caller must release it.
        // Declared before Wake: static fields initialise in order, and CreateWorkers starts the threads.
        private static readonly int[] Sleeping = new int[Math.Max(0, WorkerCount - 1)];

        private static readonly SemaphoreSlim[] Wake = CreateWorkers();
        private static readonly SemaphoreSlim CallerWake = new(0);
        private static RunnerBase? s_current;
        private static int s_pending;

        // The job: a count bumped once per job above its number of helpers (the low HelperBits). A
        // worker takes part in a job when it sees a value it has not seen and is among its helpers.
        // One word, read once: with the helpers in a field of their own, a worker that saw job A's
        // count (A without it) and was descheduled could read job B's helpers, run B, then see B's
        // count and run it again — or find B done and its runner gone (a NullReferenceException in
        // this loop, seen once in a loaded CI run). A job whose helpers include the worker cannot end
        // before the worker has drained it, so the runner read after the word is that job's.
        private static long s_job;
        private const int HelperBits = 16;

        // 1 while the caller is (about to be) blocked on CallerWake, so the last helper must release it.
        private static int s_callerSleeping;

        private static SemaphoreSlim[] CreateWorkers()
        {
            var wake = new SemaphoreSlim[Math.Max(0, WorkerCount - 1)];
            for (int w = 0; w < wake.Length; w++)
            {
                wake[w] = new SemaphoreSlim(0);
                var thread = new Thread(WorkerLoop, 256 * 1024) { IsBackground = true, Name = $"AutoLoRa CPU worker {w}" };
                thread.Start(w);
            }
            return wake;
        }

        public static void Run(RunnerBase runner, int helpers)
        {
            helpers = Math.Min(helpers, Wake.Length);
            Volatile.Write(ref s_current, runner);
            Volatile.Write(ref s_pending, helpers);
            // Only the holder of PoolLock writes the word; the exchange is a full fence: the job is out before any flag is read.
            Interlocked.Exchange(ref s_job, (((s_job >> HelperBits) + 1) << HelperBits) | (long)helpers);
            for (int w = 0; w < helpers; w++)
            {
                if (Interlocked.Exchange(ref Sleeping[w], 0) == 1) Wake[w].Release();
            }

            t_insideWork = true;
            try { runner.Drain(); }
            finally { t_insideWork = false; }

            if (helpers > 0) WaitForHelpers();
            Volatile.Write(ref s_current, null);
            runner.ThrowIfFailed();
        }

        private static void WaitForHelpers()
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            int polls = 0;
            while (Volatile.Read(ref s_pending) != 0)
            {
                if (Stopwatch.GetTimestamp() < deadline)
                {
                    Poll(ref polls);
                    continue;
                }
                // The sleep handshake (see the class comment), with the last helper as the waker.
                Interlocked.Exchange(ref s_callerSleeping, 1);
                if (Volatile.Read(ref s_pending) != 0 || Interlocked.Exchange(ref s_callerSleeping, 0) == 0) CallerWake.Wait();
                return;
            }
        }

        private static void WorkerLoop(object? state)
        {
            int w = (int)state!;
            long seen = 0;
            t_insideWork = true;
            while (true)
            {
                long job;
                long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                int polls = 0;
                while ((job = Volatile.Read(ref s_job)) == seen)
                {
                    if (Stopwatch.GetTimestamp() < deadline)
                    {
                        Poll(ref polls);
                        continue;
                    }
                    // The sleep handshake (see the class comment), with the next job's caller as the waker.
                    Interlocked.Exchange(ref Sleeping[w], 1);
                    if (Volatile.Read(ref s_job) == seen || Interlocked.Exchange(ref Sleeping[w], 0) == 0) Wake[w].Wait();
                    deadline = Stopwatch.GetTimestamp() + SpinTicks;
                }
                seen = job;
                // A job asks for as many helpers as it has items beyond the caller's; the others skip it.
                if (w >= (job & ((1L << HelperBits) - 1))) continue;
                Volatile.Read(ref s_current)!.Drain();
                if (Interlocked.Decrement(ref s_pending) == 0 && Interlocked.Exchange(ref s_callerSleeping, 0) == 1) CallerWake.Release();
            }
        }
    }
}
