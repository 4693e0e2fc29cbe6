using AutoLoRa.Distributed;

namespace AutoLoRa.Distributed.Cuda;

/// <summary>
/// Which CUDA device a rank uses: one process per device, numbered by the rank's place on its node
/// (Open MPI's local rank), as Horovod and PyTorch's launchers do. More ranks on a node than it has
/// devices is refused before anything runs, since two ranks on one device would share it silently.
/// </summary>
public static class LocalDevice
{
    /// <summary>Set by Open MPI's mpirun: this process's rank among the ranks on its node.</summary>
    public const string LocalRankVariable = "OMPI_COMM_WORLD_LOCAL_RANK";

    /// <summary>Set by Open MPI's mpirun: how many ranks run on this node.</summary>
    public const string LocalSizeVariable = "OMPI_COMM_WORLD_LOCAL_SIZE";

    /// <summary>
    /// The device ordinal for this process given <paramref name="deviceCount"/> devices: 0 when not
    /// launched by mpirun, else the local rank. Throws <see cref="DistributedException"/> naming both
    /// counts when the node runs more ranks than it has devices.
    /// </summary>
    public static int Choose(Func<string, string?> environment, int deviceCount)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(LocalRankVariable) is not { } rankText) return 0;
        if (!int.TryParse(rankText, out int rank) || rank < 0)
            throw new DistributedException($"{LocalRankVariable} is '{rankText}', not a rank: start the run with Open MPI's mpirun.");
        int ranks = int.TryParse(environment(LocalSizeVariable), out int size) && size > rank ? size : rank + 1;
        if (ranks > deviceCount)
        {
            throw new DistributedException(
                $"{ranks} ranks run on this node but it has {deviceCount} CUDA device{(deviceCount == 1 ? "" : "s")}: the CUDA backend " +
                $"runs one rank per device. Start at most {deviceCount} rank{(deviceCount == 1 ? "" : "s")} per node " +
                $"(mpirun -np, or --map-by ppr:{deviceCount}:node across nodes).");
        }
        return rank;
    }
}
