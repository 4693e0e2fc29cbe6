using System.Security.Cryptography;
using AutoLoRa.Cpu;
using AutoLoRa.Data;
using AutoLoRa.Robust;
using AutoLoRa.Training.Evaluation;

namespace AutoLoRa.Training.Tests;

/// <summary>AutoAttack over a streamed image set must see exactly the points a materialised batch holds.</summary>
public sealed class ImageSetAttackPointsTests : IDisposable
{
    private readonly CpuBackend _cpu = new();

    public void Dispose() => _cpu.Dispose();

    private static readonly ImageDataset Data = Tiny.Halves(13, seed: 4);

    /// <summary>All points converted at once, as the eval command did before streaming.</summary>
    private static AttackBatch Materialised()
    {
        var images = new float[Data.Count * Data.SampleSize];
        var labels = new int[Data.Count];
        Data.CopyBatch(Enumerable.Range(0, Data.Count).ToArray(), images, labels);
        return new AttackBatch(images, labels, Data.Channels, Data.Height, Data.Width);
    }

    private static string Hash(IAttackPoints points)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        points.AppendContent(hash);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    [Fact]
    public void Rows_and_fingerprint_match_the_materialised_batch()
    {
        var all = Materialised();
        var streamed = new ImageSetAttackPoints(Data, batchSize: 5);
        Assert.Equal((all.Count, all.Channels, all.Height, all.Width), (streamed.Count, streamed.Channels, streamed.Height, streamed.Width));
        int[] rows = [11, 0, 7, 3];
        var expected = all.Select(rows);
        var actual = streamed.Select(rows);
        Assert.Equal(expected.Images, actual.Images);
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Empty(streamed.Select([]).Labels);
        // Same bytes in the same order, so a saved evaluation state resumes across the two.
        Assert.Equal(Hash(all), Hash(streamed));
        Assert.NotEqual(Hash(all), Hash(new ImageSetAttackPoints(Data.Select([.. Enumerable.Range(0, 12)]))));
    }

    [Fact]
    public void AutoAttack_on_the_streamed_points_gives_the_report_of_the_materialised_batch()
    {
        using var model = Tiny.Model(_cpu);
        using var logits = new ClassifierLogitModel(model);
        var options = new AutoAttackOptions { Epsilon = 0.1f, Attacks = ["apgd-ce"], BatchSize = 5, Seed = 3, RunChecks = false };
        var expected = new AutoAttackRunner(options).Run(logits, Materialised());
        var actual = new AutoAttackRunner(options).Run(logits, new ImageSetAttackPoints(Data, batchSize: 5));
        Assert.Equal(expected.Robust, actual.Robust);
        Assert.Equal(expected.CleanAccuracy, actual.CleanAccuracy);
        Assert.Equal(expected.RobustAccuracy, actual.RobustAccuracy);
        Assert.Equal(expected.MaxPerturbation, actual.MaxPerturbation);
    }
}
