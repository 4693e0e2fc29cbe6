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
/// exists once per work type, and the workers are woken through semaphores they block on.
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
        private int _next;

        public void Prepare(int count, TWork work)
        {
            _work = work;
            _count = count;
            Volatile.Write(ref _next, 0);
        }

        /// <summary>Drops the work struct so the references it holds do not outlive the call.</summary>
        public void Clear() => _work = default;

        public override void Drain()
        {
            int i;
            while ((i = Interlocked.Increment(ref _next) - 1) < _count)
            {
                // Work items are independent; a failing one must not stop the others from finishing.
                try { _work.Execute(i); }
                catch (Exception e) { RecordFailure(e); }
            }
        }
    }

    /// <summary>WorkerCount − 1 background threads; the calling thread is the last participant.</summary>
    private static class Pool
    {
        private static readonly SemaphoreSlim[] Wake = CreateWorkers();
        private static readonly ManualResetEventSlim Done = CreateDone();
        private static RunnerBase? s_current;
        private static int s_pending;

        private static SemaphoreSlim[] CreateWorkers()
        {
            var wake = new SemaphoreSlim[Math.Max(0, WorkerCount - 1)];
            for (int w = 0; w < wake.Length; w++)
            {
                wake[w] = new SemaphoreSlim(0);
                var thread = new Thread(WorkerLoop, 256 * 1024) { IsBackground = true, Name = $"AutoLoRa CPU worker {w}" };
                thread.Start(wake[w]);
            }
            return wake;
        }

        /// <summary>
        /// The event the caller waits on for the helpers. ManualResetEventSlim makes its lock object
        /// the first time a Wait has to block (24 bytes, in whichever step the caller first outruns
        /// its helpers — seen in warm ViT steps); blocking once here, for a millisecond on the unset
        /// event, makes it before any step runs.
        /// </summary>
        private static ManualResetEventSlim CreateDone()
        {
            var done = new ManualResetEventSlim(false, 1000);
            done.Wait(1);
            return done;
        }

        public static void Run(RunnerBase runner, int helpers)
        {
            helpers = Math.Min(helpers, Wake.Length);
            Volatile.Write(ref s_current, runner);
            Done.Reset();
            Volatile.Write(ref s_pending, helpers);
            for (int w = 0; w < helpers; w++) Wake[w].Release();

            t_insideWork = true;
            try { runner.Drain(); }
            finally { t_insideWork = false; }

            if (helpers > 0) Done.Wait();
            Volatile.Write(ref s_current, null);
            runner.ThrowIfFailed();
        }

        private static void WorkerLoop(object? state)
        {
            var wake = (SemaphoreSlim)state!;
            t_insideWork = true;
            while (true)
            {
                wake.Wait();
                var runner = Volatile.Read(ref s_current)!;
                runner.Drain();
                if (Interlocked.Decrement(ref s_pending) == 0) Done.Set();
            }
        }
    }
}
