using AutoLoRa.Core;
using AutoLoRa.Cuda;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Distributed.Cuda;
using AutoLoRa.Distributed.Interop;

namespace AutoLoRa.Distributed.Probe;

/// <summary>
/// The NCCL path of the CUDA backend, through whatever libcuda and libnccl the environment names
/// (CI: the stand-ins): all-reduce results on odd sizes and across the stand-in's chunk boundary,
/// the arguments NCCL refuses, and ranks that die or hang.
/// </summary>
internal static unsafe class NcclChecks
{
    /// <summary>Floats the stand-in moves per exchange round (its 1 MiB chunk): sizes around it cross a boundary.</summary>
    private const int ChunkFloats = 1 << 18;

    /// <summary>The NCCL communicator over <paramref name="c"/>'s ranks on the local rank's device; Program finishes it.</summary>
    public static NcclCommunicator Open(Communicator c)
    {
        var probe = CudaAvailability.Probe();
        if (!probe.Available) throw new InvalidOperationException($"rank {c.Rank}: native CUDA {probe.Reason}");
        var backend = new CudaBackend(new NativeRuntime(LocalDevice.Choose(Environment.GetEnvironmentVariable, probe.DeviceCount)));
        return NcclCommunicator.Over(c, backend, Communicators.ConfiguredTimeout()) as NcclCommunicator
            ?? throw new InvalidOperationException("NcclCommunicator.Over did not choose NCCL for a native CUDA backend with 2 ranks.");
    }

    public static void AllReduce(NcclCommunicator nccl)
    {
        foreach (int n in new[] { 1, 3, 1023, ChunkFloats - 1, ChunkFloats + 1, 2 * ChunkFloats + 7 })
        {
            // Small integers: every sum and mean is exact in float, so equality is the right test.
            var mine = Enumerable.Range(0, n).Select(i => (float)((nccl.Rank + 1) * (i % 1000) + nccl.Rank)).ToArray();
            float Sum(int i) => Enumerable.Range(0, nccl.Size).Sum(r => (float)((r + 1) * (i % 1000) + r));
            foreach (var op in new[] { NcclRedOp.Sum, NcclRedOp.Avg })
            {
                using var t = Tensor.FromArray(nccl.Backend, mine, new Shape(n));
                nccl.AllReduce(t.Buffer, n, op, $"{op} of {n} floats");
                var got = t.ToArray();
                for (int i = 0; i < n; i++)
                {
                    float expected = op == NcclRedOp.Sum ? Sum(i) : Sum(i) / nccl.Size;
                    Expect.Equal(expected, got[i], $"{op} [{i}] of {n}", nccl);
                }
            }
        }
    }

    /// <summary>What NCCL documents as invalid arguments, on a one-rank communicator of this process.</summary>
    public static void RefusedArguments(NcclCommunicator nccl)
    {
        var runtime = (NativeRuntime)nccl.Backend.Runtime;
        runtime.BindContext();
        NcclUniqueId id;
        nint comm;
        Expect.Equal(NcclResult.Success, Nccl.ncclGetUniqueId(&id), "ncclGetUniqueId", nccl);
        Expect.Equal(NcclResult.Success, Nccl.ncclCommInitRank(&comm, 1, id, 0), "ncclCommInitRank of one rank", nccl);
        Expect.Equal(NcclResult.InvalidArgument, Nccl.ncclCommInitRank(&comm, 2, id, 2), "ncclCommInitRank of rank 2 of 2", nccl);
        using var t = Tensor.Zeros(nccl.Backend, new Shape(8));
        void* device = (void*)nccl.Backend.DevicePointer(t.Buffer, 8);
        var host = new float[8];
        fixed (float* h = host)
            Expect.Equal(NcclResult.InvalidArgument, Nccl.ncclAllReduce(h, h, 8, NcclDataType.Float32, NcclRedOp.Sum, comm, runtime.ComputeStream), "a host pointer", nccl);
        // The caching allocator rounds small blocks up, so "past the allocation" is far past 8 floats.
        Expect.Equal(NcclResult.InvalidArgument, Nccl.ncclAllReduce(device, device, 1 << 22, NcclDataType.Float32, NcclRedOp.Sum, comm, runtime.ComputeStream), "a count past the allocation", nccl);
        Expect.Equal(NcclResult.InvalidArgument, Nccl.ncclAllReduce(device, device, 8, (NcclDataType)42, NcclRedOp.Sum, comm, runtime.ComputeStream), "an unknown type", nccl);
        Expect.Equal(NcclResult.InvalidArgument, Nccl.ncclAllReduce(device, device, 8, NcclDataType.Float32, (NcclRedOp)42, comm, runtime.ComputeStream), "an unknown operation", nccl);
        Expect.Equal(NcclResult.InvalidArgument, Nccl.ncclAllReduce(device, device, 8, NcclDataType.Float32, NcclRedOp.Sum, 0, runtime.ComputeStream), "no communicator", nccl);
        Expect.Equal(NcclResult.Success, Nccl.ncclCommDestroy(comm), "ncclCommDestroy", nccl);
    }

    /// <summary>Rank 1 is killed (SIGKILL) between all-reduces; rank 0 must stop, naming it.</summary>
    public static void DeadRank(NcclCommunicator nccl)
    {
        using var t = Tensor.Zeros(nccl.Backend, new Shape(1000));
        for (int i = 0; i < 400; i++)
        {
            if (i == 5 && nccl.Rank == 1) System.Diagnostics.Process.GetCurrentProcess().Kill();
            nccl.AllReduce(t.Buffer, 1000, NcclRedOp.Sum, $"all-reduce {i}");
            Thread.Sleep(50);
        }
        throw new InvalidOperationException($"rank {nccl.Rank} outlived its dead peer by 20 s.");
    }

    /// <summary>Rank 1 hangs (alive, never joins the all-reduce); rank 0 must give up, naming it.</summary>
    public static void StuckRank(NcclCommunicator nccl)
    {
        if (nccl.Rank == 1) Thread.Sleep(TimeSpan.FromMinutes(2));
        using var t = Tensor.Zeros(nccl.Backend, new Shape(10));
        nccl.AllReduce(t.Buffer, 10, NcclRedOp.Sum, "the all-reduce rank 1 never joins");
        throw new InvalidOperationException($"rank {nccl.Rank} passed an all-reduce its peer never joined.");
    }
}
