using System.Buffers;
using System.Diagnostics;
using System.Text;
using AutoLoRa.Distributed.Interop;

namespace AutoLoRa.Distributed;

/// <summary>
/// The ranks of MPI_COMM_WORLD over Open MPI. Every collective is non-blocking and then polled
/// with a deadline, so a rank whose peer died or hangs stops with a message naming the collective
/// instead of waiting for ever (mpirun itself stops the job and names the rank when a process
/// exits or is killed). Errors return to us (MPI_ERRORS_RETURN) and become
/// <see cref="DistributedException"/>s with MPI's own text. MPI is called from one thread at a time
/// (MPI_THREAD_SERIALIZED): the training thread.
/// </summary>
internal sealed unsafe class MpiCommunicator : Communicator
{
    private static MpiCommunicator? s_started;

    private readonly MpiHandles _h;
    private readonly TimeSpan _timeout;
    private long _collectives;
    private bool _finished;

    private MpiCommunicator(MpiHandles handles, TimeSpan timeout, int rank, int size, string library)
    {
        _h = handles;
        _timeout = timeout;
        Rank = rank;
        Size = size;
        Description = $"{size} ranks, {library}";
    }

    /// <inheritdoc/>
    public override int Rank { get; }

    /// <inheritdoc/>
    public override int Size { get; }

    /// <inheritdoc/>
    public override string Description { get; }

    /// <summary>Initialises MPI once per process (MPI allows no second MPI_Init).</summary>
    public static MpiCommunicator Start(TimeSpan timeout)
    {
        if (s_started is { } started) return started;
        var h = MpiLibrary.Load();
        int flag, provided, rank, size;
        Check(Mpi.MPI_Finalized(&flag), "MPI_Finalized", "start-up");
        if (flag != 0) throw new DistributedException("MPI was finalized already in this process; a second data-parallel run needs a new process.");
        Check(Mpi.MPI_Initialized(&flag), "MPI_Initialized", "start-up");
        if (flag == 0)
        {
            Check(Mpi.MPI_Init_thread(null, null, Mpi.ThreadSerialized, &provided), "MPI_Init_thread", "start-up");
            if (provided < Mpi.ThreadSerialized)
                throw new DistributedException($"Open MPI granted thread level {provided}; AutoLoRa needs MPI_THREAD_SERIALIZED ({Mpi.ThreadSerialized}).");
        }
        Check(Mpi.MPI_Comm_set_errhandler(h.CommWorld, h.ErrorsReturn), "MPI_Comm_set_errhandler", "start-up");
        Check(Mpi.MPI_Comm_rank(h.CommWorld, &rank), "MPI_Comm_rank", "start-up");
        Check(Mpi.MPI_Comm_size(h.CommWorld, &size), "MPI_Comm_size", "start-up");
        s_started = new MpiCommunicator(h, timeout, rank, size, LibraryVersion());
        return s_started;
    }

    /// <inheritdoc/>
    public override void AllReduceSum(Span<double> values, string what)
    {
        fixed (double* p = values) AllReduceInPlace(p, values.Length, _h.Double, _h.Sum, what);
    }

    /// <inheritdoc/>
    public override void AllReduceSum(Span<long> values, string what)
    {
        fixed (long* p = values) AllReduceInPlace(p, values.Length, _h.Long, _h.Sum, what);
    }

    /// <inheritdoc/>
    public override void AllReduceMax(Span<long> values, string what)
    {
        fixed (long* p = values) AllReduceInPlace(p, values.Length, _h.Long, _h.Max, what);
    }

    /// <inheritdoc/>
    public override PendingReduction StartAllReduceSum(Memory<float> values, string what)
    {
        var pin = values.Pin();
        nint request;
        int status = Mpi.MPI_Iallreduce((void*)Mpi.InPlace, pin.Pointer, values.Length, _h.Float, _h.Sum, _h.CommWorld, &request);
        if (status != Mpi.Success)
        {
            pin.Dispose();
            Check(status, "MPI_Iallreduce", what);
        }
        return new Pending(this, request, pin, what, ++_collectives);
    }

    /// <inheritdoc/>
    public override void Broadcast(Span<byte> bytes, int root, string what)
    {
        fixed (byte* p = bytes)
        {
            nint request;
            Check(Mpi.MPI_Ibcast(p, bytes.Length, _h.Byte, root, _h.CommWorld, &request), "MPI_Ibcast", what);
            Wait(ref request, what, ++_collectives);
        }
    }

    /// <inheritdoc/>
    public override void AllGather(ReadOnlySpan<byte> mine, Span<byte> all, string what)
    {
        if (all.Length != mine.Length * Size)
            throw new ArgumentException($"All-gather of {what}: {all.Length} bytes for {Size} ranks of {mine.Length}.", nameof(all));
        fixed (byte* send = mine)
        fixed (byte* receive = all)
        {
            nint request;
            Check(Mpi.MPI_Iallgather(send, mine.Length, _h.Byte, receive, mine.Length, _h.Byte, _h.CommWorld, &request), "MPI_Iallgather", what);
            Wait(ref request, what, ++_collectives);
        }
    }

    /// <inheritdoc/>
    public override void Barrier(string what)
    {
        nint request;
        Check(Mpi.MPI_Ibarrier(_h.CommWorld, &request), "MPI_Ibarrier", what);
        Wait(ref request, what, ++_collectives);
    }

    /// <inheritdoc/>
    public override void Finish()
    {
        if (_finished) return;
        Barrier("the end of the run");
        Check(Mpi.MPI_Finalize(), "MPI_Finalize", "the end of the run");
        _finished = true;
    }

    /// <summary>An in-place all-reduce of memory the caller has fixed, waited for before the caller unfixes it.</summary>
    private void AllReduceInPlace(void* values, int count, nint type, nint op, string what)
    {
        nint request;
        Check(Mpi.MPI_Iallreduce((void*)Mpi.InPlace, values, count, type, op, _h.CommWorld, &request), "MPI_Iallreduce", what);
        Wait(ref request, what, ++_collectives);
    }

    private void Wait(ref nint request, string what, long number)
    {
        var clock = Stopwatch.StartNew();
        for (int polls = 0; ; polls++)
        {
            int done;
            fixed (nint* r = &request) Check(Mpi.MPI_Test(r, &done, null), "MPI_Test", what);
            if (done != 0) return;
            if (clock.Elapsed > _timeout)
            {
                throw new DistributedException(
                    $"Rank {Rank} of {Size}: {what} (collective #{number}) did not complete within {_timeout.TotalSeconds:0.#} s: " +
                    $"another rank died, hangs, or runs a different program. Check the other ranks' output; " +
                    $"{Communicators.TimeoutVariable} sets how long to wait.");
            }
            // Spin briefly (a step's collectives are short), then yield the core to the computation.
            if (polls < 1000) Thread.Yield(); else Thread.Sleep(1);
        }
    }

    private static void Check(int status, string call, string what)
    {
        if (status != Mpi.Success) throw new DistributedException($"{call} failed during {what}: {ErrorText(status)} (MPI error {status}).");
    }

    private static string ErrorText(int status)
    {
        byte* text = stackalloc byte[Mpi.MaxStringLength];
        int length;
        return Mpi.MPI_Error_string(status, text, &length) == Mpi.Success ? Encoding.ASCII.GetString(text, length) : "no description";
    }

    private static string LibraryVersion()
    {
        byte* text = stackalloc byte[Mpi.MaxStringLength];
        int length;
        if (Mpi.MPI_Get_library_version(text, &length) != Mpi.Success) return "Open MPI";
        string version = Encoding.ASCII.GetString(text, length);
        int comma = version.IndexOf(',');
        return comma > 0 ? version[..comma] : version.Trim();
    }

    /// <summary>A gradient bucket's all-reduce in flight; owns the pin of its memory until it completes.</summary>
    private sealed class Pending(MpiCommunicator owner, nint request, MemoryHandle pin, string what, long number) : PendingReduction
    {
        private nint _request = request;
        private MemoryHandle _pin = pin;
        private bool _done;

        /// <inheritdoc/>
        public override bool Test()
        {
            if (_done) return true;
            int flag;
            fixed (nint* r = &_request) Check(Mpi.MPI_Test(r, &flag, null), "MPI_Test", what);
            if (flag != 0) Release();
            return _done;
        }

        /// <inheritdoc/>
        public override void Wait()
        {
            if (_done) return;
            owner.Wait(ref _request, what, number);
            Release();
        }

        private void Release()
        {
            _done = true;
            _pin.Dispose();
        }
    }
}
