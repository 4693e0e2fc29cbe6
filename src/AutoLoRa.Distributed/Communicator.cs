using System.Runtime.InteropServices;

namespace AutoLoRa.Distributed;

/// <summary>
/// The replicas of a data-parallel run and the collectives they share. Every rank must call the
/// same collectives in the same order; each takes a short description (<c>what</c>) that a failure
/// or a timeout names. <see cref="SingleProcess"/> is the run without MPI: one rank, and every
/// collective returns at once with the input unchanged.
/// </summary>
public abstract class Communicator : IDisposable
{
    /// <summary>This process's rank, 0 … <see cref="Size"/> − 1.</summary>
    public abstract int Rank { get; }

    /// <summary>Number of ranks.</summary>
    public abstract int Size { get; }

    /// <summary>Rank 0: the one that writes logs, checkpoints and model files, and decides what is decided once.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>More than one rank.</summary>
    public bool IsDistributed => Size > 1;

    /// <summary>For people: "4 ranks, Open MPI v4.1.4" or "one process".</summary>
    public abstract string Description { get; }

    /// <summary>Element-wise sum over ranks, in place.</summary>
    public abstract void AllReduceSum(Span<double> values, string what);

    /// <summary>Element-wise sum over ranks, in place.</summary>
    public abstract void AllReduceSum(Span<long> values, string what);

    /// <summary>Element-wise maximum over ranks, in place.</summary>
    public abstract void AllReduceMax(Span<long> values, string what);

    /// <summary>
    /// Starts an element-wise float sum over ranks of <paramref name="values"/>, in place. The memory
    /// must stay where it is until the reduction completes (pinned: GC.AllocateArray(…, pinned: true)).
    /// </summary>
    public abstract PendingReduction StartAllReduceSum(Memory<float> values, string what);

    /// <summary>Rank <paramref name="root"/>'s bytes into every rank's <paramref name="bytes"/>.</summary>
    public abstract void Broadcast(Span<byte> bytes, int root, string what);

    /// <summary>Every rank's <paramref name="mine"/> (all the same length) into <paramref name="all"/>, in rank order.</summary>
    public abstract void AllGather(ReadOnlySpan<byte> mine, Span<byte> all, string what);

    /// <summary>Returns once every rank has called it.</summary>
    public abstract void Barrier(string what);

    /// <summary>
    /// Ends a run that succeeded on this rank: a last barrier, then MPI's finalize. A rank that ends
    /// without it (an error) leaves MPI unfinalized, which makes mpirun stop the other ranks and
    /// name this one — what an error on one rank must do.
    /// </summary>
    public virtual void Finish()
    {
    }

    /// <summary>Computed on rank 0 alone and shared: a decision made once for all ranks (the others skip the work).</summary>
    public float FromRoot(Func<float> compute, string what)
    {
        ArgumentNullException.ThrowIfNull(compute);
        if (!IsDistributed) return compute();
        double value = IsRoot ? compute() : 0;
        Broadcast(MemoryMarshal.AsBytes(new Span<double>(ref value)), 0, what);
        return (float)value;
    }

    /// <summary>
    /// What averages a step's parameter gradients over the ranks while backward runs: host buckets
    /// over this communicator's <see cref="StartAllReduceSum"/> here; a communicator that reduces
    /// device memory itself (NCCL's, for the CUDA backend) returns its own.
    /// </summary>
    public virtual IReplicaGradients AverageGradients(IReadOnlyList<Core.Tensor> parameters) => new GradientAverager(this, parameters);

    /// <summary>Releases what the communicator holds (a no-op for one process).</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>A reduction in flight; <see cref="Wait"/> before reading its memory.</summary>
public abstract class PendingReduction
{
    /// <summary>Completed already (it lets the reduction progress: MPI advances non-blocking collectives only inside its calls).</summary>
    public abstract bool Test();

    /// <summary>Returns when complete, or throws after the communicator's timeout naming what was waited for.</summary>
    public abstract void Wait();

    /// <summary>A reduction with nothing to do (one rank).</summary>
    public static PendingReduction Done { get; } = new Completed();

    private sealed class Completed : PendingReduction
    {
        /// <inheritdoc/>
        public override bool Test() => true;

        /// <inheritdoc/>
        public override void Wait()
        {
        }
    }
}
