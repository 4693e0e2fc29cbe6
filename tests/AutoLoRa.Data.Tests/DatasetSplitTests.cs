using AutoLoRa.Data.Tests.Support;

namespace AutoLoRa.Data.Tests;

public sealed class DatasetSplitTests
{
    [Fact]
    public void Same_seed_same_split_disjoint_and_covering()
    {
        var (train, val) = DatasetSplit.Indices(1000, 0.1, seed: 42);
        var (train2, val2) = DatasetSplit.Indices(1000, 0.1, seed: 42);
        Assert.Equal(train, train2);
        Assert.Equal(val, val2);
        Assert.Equal(100, val.Length);
        Assert.Empty(train.Intersect(val));
        Assert.Equal(Enumerable.Range(0, 1000), train.Concat(val).Order());
    }

    [Fact]
    public void Different_seed_different_split()
    {
        Assert.NotEqual(DatasetSplit.Indices(1000, 0.1, 1).Validation, DatasetSplit.Indices(1000, 0.1, 2).Validation);
    }

    [Fact]
    public void Split_datasets_hold_the_selected_samples()
    {
        var ds = TestDatasets.Indexed(50);
        var (train, split) = DatasetSplit.Split(ds, 0.2, 7);
        var val = Assert.IsType<ImageDataset>(split);
        var (ti, vi) = DatasetSplit.Indices(50, 0.2, 7);
        Assert.Equal(vi, Enumerable.Range(0, val.Count).Select(i => (int)val.Sample(i)[0]));
        Assert.Equal(ti.Select(i => ds.Labels[i]), train.Labels);
    }

    [Fact]
    public void Fraction_outside_range_is_a_data_error() => Throws.DataError(() => DatasetSplit.Indices(10, 1.0, 0), "fraction");
}
