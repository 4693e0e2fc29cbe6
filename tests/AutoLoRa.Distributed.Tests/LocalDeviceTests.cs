using AutoLoRa.Distributed.Cuda;

namespace AutoLoRa.Distributed.Tests;

/// <summary>Which CUDA device a rank opens, from Open MPI's environment and the device count alone.</summary>
public sealed class LocalDeviceTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] values) => LaunchTests.Env(values);

    [Fact]
    public void Without_mpirun_the_process_opens_device_0()
    {
        Assert.Equal(0, LocalDevice.Choose(Env(), 1));
        Assert.Equal(0, LocalDevice.Choose(Env(), 8));
    }

    [Fact]
    public void Each_rank_opens_the_device_of_its_place_on_the_node()
    {
        for (int rank = 0; rank < 4; rank++)
            Assert.Equal(rank, LocalDevice.Choose(Env((LocalDevice.LocalRankVariable, $"{rank}"), (LocalDevice.LocalSizeVariable, "4")), 4));
    }

    [Fact]
    public void More_ranks_on_a_node_than_devices_is_refused_by_every_rank_naming_both_counts()
    {
        // Rank 0 has a device of its own, but the node's count is what is wrong: it stops too.
        foreach (var rank in new[] { "0", "2" })
        {
            var e = Assert.Throws<DistributedException>(() =>
                LocalDevice.Choose(Env((LocalDevice.LocalRankVariable, rank), (LocalDevice.LocalSizeVariable, "3")), 2));
            Assert.Contains("3 ranks run on this node but it has 2 CUDA devices", e.Message);
        }
        Assert.Throws<DistributedException>(() => LocalDevice.Choose(Env((LocalDevice.LocalRankVariable, "first")), 2));
    }
}
