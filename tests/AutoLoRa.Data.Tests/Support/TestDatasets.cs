namespace AutoLoRa.Data.Tests.Support;

/// <summary>Small in-memory datasets whose first pixel of each sample is the sample index (so samples can be identified in batches).</summary>
public static class TestDatasets
{
    public static ImageDataset Indexed(int count, int channels = 1, int height = 4, int width = 4, int classes = 10)
    {
        int size = channels * height * width;
        var pixels = new byte[count * size];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            for (int i = 0; i < size; i++) pixels[n * size + i] = (byte)(n * 13 + i * 5);
            pixels[n * size] = (byte)n;
            labels[n] = n % classes;
        }
        return new ImageDataset("indexed", pixels, labels, channels, height, width, ClassNames.Numbered(classes));
    }

    /// <summary>The sample index encoded in the first pixel of sample i of a batch (untransformed).</summary>
    public static int SampleId(Batch batch, int i) =>
        (int)MathF.Round(batch.Images[i * batch.Channels * batch.Height * batch.Width] * 255f);
}
