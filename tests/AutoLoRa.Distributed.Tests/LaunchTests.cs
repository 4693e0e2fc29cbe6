namespace AutoLoRa.Distributed.Tests;

/// <summary>How a process knows it is one of several ranks, from its environment alone.</summary>
public sealed class LaunchTests
{
    internal static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Without_a_launcher_and_with_one_rank_the_run_is_one_process()
    {
        Assert.False(MpiLaunch.IsMultiRank(Env()));
        Assert.False(MpiLaunch.IsMultiRank(Env((MpiLaunch.OpenMpiSize, "1"))));
        Assert.False(MpiLaunch.IsMultiRank(Env((MpiLaunch.PmiSize, "1"))));
    }

    [Fact]
    public void Open_mpi_and_pmix_launches_are_recognised()
    {
        Assert.True(MpiLaunch.IsMultiRank(Env((MpiLaunch.OpenMpiSize, "4"))));
        Assert.True(MpiLaunch.IsMultiRank(Env((MpiLaunch.PmixRank, "0"))));
    }

    [Fact]
    public void An_mpich_launch_or_a_garbled_size_is_an_error_naming_the_fix()
    {
        var e = Assert.Throws<DistributedException>(() => MpiLaunch.IsMultiRank(Env((MpiLaunch.PmiSize, "2"))));
        Assert.Contains("Open MPI's mpirun", e.Message);
        Assert.Throws<DistributedException>(() => MpiLaunch.IsMultiRank(Env((MpiLaunch.OpenMpiSize, "two"))));
    }

    [Fact]
    public void The_collective_timeout_is_read_in_seconds_and_checked()
    {
        Assert.Equal(Communicators.DefaultTimeout, Communicators.Timeout(null));
        Assert.Equal(TimeSpan.FromSeconds(2.5), Communicators.Timeout("2.5"));
        Assert.Contains(Communicators.TimeoutVariable, Assert.Throws<DistributedException>(() => Communicators.Timeout("-1")).Message);
    }

    [Fact]
    public void A_test_process_started_without_mpirun_gets_the_single_process_communicator()
    {
        if (MpiLaunch.IsMultiRank(Environment.GetEnvironmentVariable)) return;
        Assert.Same(SingleProcess.Instance, Communicators.FromEnvironment());
    }

    [Fact]
    public void The_replica_check_period_is_read_in_steps_and_checked()
    {
        Assert.Equal(0, Replicas.CheckEvery(null));
        Assert.Equal(5, Replicas.CheckEvery("5"));
        Assert.Contains(Replicas.CheckEveryVariable, Assert.Throws<DistributedException>(() => Replicas.CheckEvery("x")).Message);
    }
}
