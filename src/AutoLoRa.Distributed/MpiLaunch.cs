namespace AutoLoRa.Distributed;

/// <summary>
/// Whether this process was started as one rank of an MPI job, read from what the launcher puts
/// in the environment — so a run started without mpirun never loads an MPI library.
/// </summary>
public static class MpiLaunch
{
    /// <summary>Set by Open MPI's mpirun/mpiexec (and its PRRTE in 5.x) to the number of ranks.</summary>
    public const string OpenMpiSize = "OMPI_COMM_WORLD_SIZE";

    /// <summary>Set by a PMIx launcher (Open MPI 5's, Slurm's srun --mpi=pmix); the size then comes from MPI itself.</summary>
    public const string PmixRank = "PMIX_RANK";

    /// <summary>Set by MPICH-family launchers (Hydra) and Slurm's PMI-1/2, whose ranks expect MPICH's ABI.</summary>
    public const string PmiSize = "PMI_SIZE";

    /// <summary>
    /// True when launched as one of several MPI ranks (or by PMIx, which does not say how many).
    /// Throws, naming the fix, when an MPICH-family launcher started it.
    /// </summary>
    public static bool IsMultiRank(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? size = environment(OpenMpiSize);
        if (size is not null)
        {
            if (!int.TryParse(size, out int ranks) || ranks < 1)
                throw new DistributedException($"{OpenMpiSize} is '{size}', not a number of ranks: start the run with Open MPI's mpirun.");
            return ranks > 1;
        }
        if (environment(PmixRank) is not null) return true;
        if (environment(PmiSize) is { } pmi && pmi != "1")
        {
            throw new DistributedException(
                $"This process was started by an MPICH-family launcher ({PmiSize}={pmi}); AutoLoRa binds Open MPI's ABI only. " +
                "Launch with Open MPI's mpirun (Debian: openmpi-bin), or with srun --mpi=pmix against Open MPI.");
        }
        return false;
    }
}
