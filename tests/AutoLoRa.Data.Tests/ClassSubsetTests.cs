using AutoLoRa.Data.Tests.Support;

namespace AutoLoRa.Data.Tests;

public sealed class ClassSubsetTests
{
    [Theory]
    [InlineData("5-9", new[] { 5, 6, 7, 8, 9 })]
    [InlineData("0,2,4", new[] { 0, 2, 4 })]
    [InlineData("3", new[] { 3 })]
    [InlineData(" 7, 0-1 ", new[] { 7, 0, 1 })]
    public void Parses_lists_and_ranges(string spec, int[] expected) => Assert.Equal(expected, ClassSubset.Parse(spec, 10));

    [Theory]
    [InlineData("10")]
    [InlineData("9-5")]
    [InlineData("1,1")]
    [InlineData("a")]
    [InlineData("")]
    [InlineData("-3")]
    [InlineData("1,,2")]
    public void Rejects_bad_specs_naming_the_flag(string spec) => Throws.DataError(() => ClassSubset.Parse(spec, 10), "--classes", "0..9");

    [Fact]
    public void Keeps_listed_classes_relabelled_in_listed_order()
    {
        var ds = TestDatasets.Indexed(30, classes: 10);
        // An in-memory set stays in memory (pixels copied).
        var subset = Assert.IsType<ImageDataset>(ClassSubset.Apply(ds, [7, 3]));
        Assert.Equal(6, subset.Count);
        Assert.Equal(["class 7", "class 3"], subset.ClassNames);
        for (int i = 0; i < subset.Count; i++)
        {
            int original = subset.Sample(i)[0]; // the first pixel is the original index
            Assert.Equal(ds.Labels[original] == 7 ? 0 : 1, subset.Labels[i]);
            Assert.True(ds.Sample(original).SequenceEqual(subset.Sample(i)));
        }
    }
}
