using System.Diagnostics;
using System.Runtime.InteropServices;
using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda;
using AutoLoRa.Cuda.Interop;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Distributed.Interop;

namespace AutoLoRa.Distributed.Cuda;

/// <summary>
/// The ranks of a data-parallel run on the native CUDA backend: the MPI communicator for everything
/// on the host (decisions, counts, checks, the batch-norm average), and an NCCL communicator over the
/// same ranks for gradients, which stay on the device. The NCCL unique id is made on rank 0 and
/// broadcast over MPI, as Horovod does. NCCL's collectives run on a stream of their own, ordered
/// against the compute stream with events, so a bucket's all-reduce overlaps the rest of backward.
/// <para>
/// Every wait for NCCL is a poll with a deadline (<see cref="Communicators.TimeoutVariable"/>) that
/// also asks ncclCommGetAsyncError: a peer that died or hangs makes this rank abort the NCCL
/// communicator (ncclCommAbort, NCCL's documented way out of a collective that will not finish) and
/// throw naming the collective and NCCL's own account of it, instead of waiting for ever.
/// </para>
/// </summary>
public sealed unsafe class NcclCommunicator : Communicator
{
    private const int CudaErrorNotReady = 600;

    private readonly Communicator _host;
    private readonly CudaBackend _backend;
    private readonly NativeRuntime _runtime;
    private readonly TimeSpan _timeout;
    private readonly nint _stream;
    private nint _comm;
    private long _collectives;
    private readonly List<DeviceGradientAverager> _averagers = [];

    private NcclCommunicator(Communicator host, CudaBackend backend, NativeRuntime runtime, TimeSpan timeout, nint comm, nint stream, string version)
    {
        _host = host;
        _backend = backend;
        _runtime = runtime;
        _timeout = timeout;
        _comm = comm;
        _stream = stream;
        Description = $"{host.Description}; gradients on device {runtime.Ordinal} over NCCL {version}";
    }

    /// <summary>
    /// <paramref name="host"/> itself unless it has several ranks and <paramref name="backend"/> is the
    /// native CUDA backend; then the NCCL communicator over the same ranks. Every rank must call it
    /// (it is collective); a rank where NCCL does not load makes every rank fail with its reason.
    /// </summary>
    public static Communicator Over(Communicator host, Backend backend, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!host.IsDistributed || backend is not CudaBackend { Runtime: NativeRuntime runtime } cuda) return host;
        bool loaded = NcclLibrary.TryLoad(out var why);
        // Agreed first, so a rank without NCCL does not leave the others waiting in the id broadcast.
        var all = new byte[host.Size];
        host.AllGather([loaded ? (byte)1 : (byte)0], all, "the check that NCCL loads on every rank");
        var missing = Enumerable.Range(0, host.Size).Where(r => all[r] == 0).ToArray();
        if (missing.Length > 0)
        {
            throw new DistributedException(
                $"NCCL does not load on rank{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)}" +
                (loaded ? "." : $": {why}.") + " The CUDA backend averages gradients with NCCL.");
        }
        // ncclAvg, which averages the gradients, came with NCCL 2.10.
        string version = NcclLibrary.Version();
        if (NcclLibrary.VersionCode() < 21000)
            throw new DistributedException($"NCCL {version} is too old: the CUDA backend needs NCCL 2.10 or later (ncclAvg); set {NcclLibrary.Variable} to a newer libnccl.so.2.");
        var id = new NcclUniqueId();
        if (host.IsRoot) Check(Nccl.ncclGetUniqueId(&id), "ncclGetUniqueId", "start-up", host.Rank, host.Size, 0);
        host.Broadcast(MemoryMarshal.AsBytes(new Span<NcclUniqueId>(ref id)), 0, "the NCCL unique id");
        runtime.BindContext();
        nint comm, stream;
        Check(Nccl.ncclCommInitRank(&comm, host.Size, id, host.Rank), "ncclCommInitRank", "start-up", host.Rank, host.Size, 0);
        int status = CudaDriver.cuStreamCreate(&stream, CudaDriverConstants.StreamNonBlocking);
        if (status != 0)
        {
            Nccl.ncclCommAbort(comm);
            throw new CudaException("driver", "cuStreamCreate", status, StatusNames.Driver(status), "the NCCL stream");
        }
        return new NcclCommunicator(host, cuda, runtime, timeout, comm, stream, version);
    }

    /// <inheritdoc/>
    public override int Rank => _host.Rank;

    /// <inheritdoc/>
    public override int Size => _host.Size;

    /// <inheritdoc/>
    public override string Description { get; }

    /// <summary>The backend whose device memory this communicator reduces.</summary>
    public CudaBackend Backend => _backend;

    /// <inheritdoc/>
    public override void AllReduceSum(Span<double> values, string what) => _host.AllReduceSum(values, what);

    /// <inheritdoc/>
    public override void AllReduceSum(Span<long> values, string what) => _host.AllReduceSum(values, what);

    /// <inheritdoc/>
    public override void AllReduceMax(Span<long> values, string what) => _host.AllReduceMax(values, what);

    /// <inheritdoc/>
    public override PendingReduction StartAllReduceSum(Memory<float> values, string what) => _host.StartAllReduceSum(values, what);

    /// <inheritdoc/>
    public override void Broadcast(Span<byte> bytes, int root, string what) => _host.Broadcast(bytes, root, what);

    /// <inheritdoc/>
    public override void AllGather(ReadOnlySpan<byte> mine, Span<byte> all, string what) => _host.AllGather(mine, all, what);

    /// <inheritdoc/>
    public override void Barrier(string what) => _host.Barrier(what);

    /// <summary>Gradients averaged on the device by NCCL, bucket by bucket while backward runs.</summary>
    public override IReplicaGradients AverageGradients(IReadOnlyList<Tensor> parameters)
    {
        var averager = new DeviceGradientAverager(this, parameters);
        _averagers.Add(averager);
        return averager;
    }

    /// <summary>
    /// <paramref name="count"/> floats of <paramref name="buffer"/> (this backend's) reduced over the
    /// ranks in place with <paramref name="op"/>, after the work queued on the compute stream; returns
    /// when done. For tests and the benchmark: training uses <see cref="AverageGradients"/>.
    /// </summary>
    public void AllReduce(DeviceBuffer buffer, int count, NcclRedOp op, string what)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ulong pointer = _backend.DevicePointer(buffer, count);
        nint ready = CreateEvent(), done = CreateEvent();
        try
        {
            // The host waits for the result, so later compute-stream work needs no event wait; the
            // events are destroyed after it, with nothing queued on them.
            Enqueue(pointer, count, op, ready, done, what);
            WaitFor(done, what);
        }
        finally
        {
            CudaDriver.cuEventDestroy(ready);
            CudaDriver.cuEventDestroy(done);
        }
    }

    /// <summary>An event for ordering the streams (no timing: cheaper, and never read).</summary>
    internal nint CreateEvent()
    {
        const uint disableTiming = 2; // CU_EVENT_DISABLE_TIMING
        _runtime.BindContext();
        nint e;
        Driver(CudaDriver.cuEventCreate(&e, disableTiming), "cuEventCreate", "an NCCL ordering event");
        return e;
    }

    /// <summary>Destroys an event of <see cref="CreateEvent"/> (the stand-in and the driver free it once work queued on it is done).</summary>
    internal void DestroyEvent(nint e)
    {
        _runtime.BindContext();
        CudaDriver.cuEventDestroy(e);
    }

    /// <summary>
    /// Queues, on the NCCL stream: a wait for the compute stream's work so far (<paramref name="ready"/>
    /// recorded on it), the in-place all-reduce, and <paramref name="done"/> recorded after it.
    /// </summary>
    internal void Enqueue(ulong pointer, int count, NcclRedOp op, nint ready, nint done, string what)
    {
        _runtime.BindContext();
        Driver(CudaDriver.cuEventRecord(ready, _runtime.ComputeStream), "cuEventRecord", what);
        Driver(CudaDriver.cuStreamWaitEvent(_stream, ready, 0), "cuStreamWaitEvent", what);
        ++_collectives;
        var result = Nccl.ncclAllReduce((void*)pointer, (void*)pointer, (nuint)count, NcclDataType.Float32, op, _comm, _stream);
        if (result != NcclResult.Success) Fail("ncclAllReduce", result, what);
        Driver(CudaDriver.cuEventRecord(done, _stream), "cuEventRecord", what);
    }

    /// <summary>Makes the compute stream wait for <paramref name="done"/> (no host wait).</summary>
    internal void ComputeWaits(nint done, string what) =>
        Driver(CudaDriver.cuStreamWaitEvent(_runtime.ComputeStream, done, 0), "cuStreamWaitEvent", what);

    /// <summary>Returns when <paramref name="done"/> has completed; throws when NCCL reports a failure or the deadline passes.</summary>
    internal void WaitFor(nint done, string what)
    {
        _runtime.BindContext();
        var clock = Stopwatch.StartNew();
        for (int polls = 0; ; polls++)
        {
            int status = CudaDriver.cuEventQuery(done);
            NcclResult async;
            var asked = Nccl.ncclCommGetAsyncError(_comm, &async);
            if (asked != NcclResult.Success) Fail("ncclCommGetAsyncError", asked, what);
            if (async is not NcclResult.Success and not NcclResult.InProgress) Fail("the NCCL all-reduce", async, what);
            if (status == 0) return;
            if (status != CudaErrorNotReady) Driver(status, "cuEventQuery", what);
            if (clock.Elapsed > _timeout)
            {
                Abort();
                throw new DistributedException(
                    $"Rank {Rank} of {Size}: {what} (NCCL collective #{_collectives}) did not complete within {_timeout.TotalSeconds:0.#} s: " +
                    $"another rank died, hangs, or runs a different program. Check the other ranks' output; {Communicators.TimeoutVariable} sets how long to wait.");
            }
            if (polls < 1000) Thread.Yield(); else Thread.Sleep(1);
        }
    }

    /// <inheritdoc/>
    public override void Finish()
    {
        Release();
        _host.Finish();
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        Release();
        _host.Dispose();
        base.Dispose();
    }

    private void Release()
    {
        if (_comm == 0) return;
        _runtime.BindContext();
        CudaDriver.cuStreamSynchronize(_stream);
        foreach (var averager in _averagers) averager.Dispose();
        _averagers.Clear();
        var result = Nccl.ncclCommDestroy(_comm);
        _comm = 0;
        CudaDriver.cuStreamDestroy(_stream);
        if (result != NcclResult.Success) throw new DistributedException($"ncclCommDestroy failed: {NcclLibrary.ErrorText(result)}.");
    }

    private void Abort()
    {
        if (_comm == 0) return;
        Nccl.ncclCommAbort(_comm);
        _comm = 0;
    }

    private void Fail(string call, NcclResult result, string what)
    {
        string detail = LastError(_comm);
        Abort();
        throw new DistributedException($"Rank {Rank} of {Size}: {call} failed during {what}: {NcclLibrary.ErrorText(result)}{detail}");
    }

    private static void Check(NcclResult result, string call, string what, int rank, int size, nint comm)
    {
        if (result != NcclResult.Success)
            throw new DistributedException($"Rank {rank} of {size}: {call} failed during {what}: {NcclLibrary.ErrorText(result)}{LastError(comm)}");
    }

    private static string LastError(nint comm)
    {
        string? text;
        try
        {
            text = Marshal.PtrToStringUTF8((nint)Nccl.ncclGetLastError(comm));
        }
        catch (EntryPointNotFoundException)
        {
            return "."; // a release before ncclGetLastError: the result code is all there is
        }
        return string.IsNullOrWhiteSpace(text) ? "." : $" ({text.Trim()}).";
    }

    private static void Driver(int status, string call, string what)
    {
        if (status != 0) throw new CudaException("driver", call, status, StatusNames.Driver(status), what);
    }
}
