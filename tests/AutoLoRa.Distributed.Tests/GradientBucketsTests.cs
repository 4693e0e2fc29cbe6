namespace AutoLoRa.Distributed.Tests;

/// <summary>The bucket layout: reverse parameter order, the cap, oversized parameters alone, contiguous ranges.</summary>
public sealed class GradientBucketsTests
{
    [Fact]
    public void Buckets_take_parameters_last_first_up_to_the_cap()
    {
        var layout = new GradientBuckets([4, 3, 5, 2], capElements: 7);
        // Reverse order: 2 + 5 fill the first bucket, 3 + 4 the second.
        Assert.Equal([(0, 7, 2), (7, 7, 2)], layout.Buckets);
        Assert.Equal([10, 7, 2, 0], layout.Offset);
        Assert.Equal([1, 1, 0, 0], layout.BucketOf);
        Assert.Equal(14, layout.TotalElements);
    }

    [Fact]
    public void A_parameter_larger_than_the_cap_gets_a_bucket_of_its_own()
    {
        var layout = new GradientBuckets([2, 10, 1], capElements: 4);
        Assert.Equal([(0, 1, 1), (1, 10, 1), (11, 2, 1)], layout.Buckets);
    }

    [Fact]
    public void Empty_parameters_and_caps_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new GradientBuckets([3, 0], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientBuckets([3], 0));
    }
}
