using AutoLoRa.Data.Tests.Support;

namespace AutoLoRa.Data.Tests;

/// <summary>Replicas' shares of an epoch, cut as PyTorch's DistributedSampler cuts them.</summary>
public sealed class EpochShardTests
{
    [Fact]
    public void Shards_interleave_the_whole_order_padded_with_its_first_samples()
    {
        int[] whole = [5, 3, 9, 0, 7, 1, 8];
        var shards = Enumerable.Range(0, 3).Select(r =>
        {
            var shard = new EpochShard(r, 3);
            var mine = new int[shard.ServedCount(whole.Length)];
            shard.Take(whole, mine);
            return mine;
        }).ToArray();
        // ⌈7 / 3⌉ = 3 each; positions 7 and 8 wrap to the first two samples.
        Assert.Equal([5, 0, 8], shards[0]);
        Assert.Equal([3, 7, 5], shards[1]);
        Assert.Equal([9, 1, 3], shards[2]);
    }

    [Fact]
    public void Loaders_of_every_rank_see_the_same_shuffle_and_the_same_number_of_batches()
    {
        var ds = TestDatasets.Indexed(23, channels: 1, height: 2, width: 2);
        using var wholeLoader = new BatchLoader(ds, 4, new BatchLoaderOptions { Seed = 9, Background = false });
        var whole = wholeLoader.EpochOrder(2);
        var orders = Enumerable.Range(0, 2).Select(r =>
        {
            using var loader = new BatchLoader(ds, 4, new BatchLoaderOptions { Seed = 9, Background = false, Shard = new EpochShard(r, 2) });
            Assert.Equal(3, loader.BatchesPerEpoch);
            return loader.EpochOrder(2);
        }).ToArray();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => whole[(2 * i) % 23]), orders[0]);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => whole[(2 * i + 1) % 23]), orders[1]);
    }

    [Fact]
    public void The_default_shard_is_the_whole_epoch()
    {
        Assert.True(default(EpochShard).IsWhole);
        Assert.Equal(23, default(EpochShard).ServedCount(23));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EpochShard(2, 2).ServedCount(5));
    }
}
