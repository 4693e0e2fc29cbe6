using AutoLoRa.Data;
using AutoLoRa.Robust;

namespace AutoLoRa.Training.Evaluation;

/// <summary>Test images in the form the attacks take: host floats in [0, 1] with their labels.</summary>
public static class TestImages
{
    /// <summary>The first <paramref name="count"/> images of <paramref name="data"/> (all of them when null) as one attack batch.</summary>
    public static AttackBatch First(ImageDataset data, int? count = null)
    {
        int n = Math.Min(count ?? data.Count, data.Count);
        var images = new float[n * data.SampleSize];
        var labels = new int[n];
        data.CopyBatch(Enumerable.Range(0, n).ToArray(), images, labels);
        return new AttackBatch(images, labels, data.Channels, data.Height, data.Width);
    }
}
