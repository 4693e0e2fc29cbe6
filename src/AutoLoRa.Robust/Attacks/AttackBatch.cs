using AutoLoRa.Core;

namespace AutoLoRa.Robust;

/// <summary>
/// A batch of clean images on the host, (N, C, H, W) flattened in NCHW order with pixels in [0, 1],
/// and their labels. Attacks keep their per-sample bookkeeping on the host and send whole batches
/// to the backend for forward and backward passes. Also the simplest <see cref="IAttackPoints"/>:
/// every point held in memory.
/// </summary>
/// <param name="images">The pixels, NCHW in [0, 1]: <paramref name="labels"/>.Length images of <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/>.</param>
/// <param name="labels">The true classes.</param>
/// <param name="channels">Channels per image.</param>
/// <param name="height">Image height.</param>
/// <param name="width">Image width.</param>
public sealed class AttackBatch(float[] images, int[] labels, int channels, int height, int width) : IAttackPoints
{
    /// <summary>The pixels, NCHW in [0, 1].</summary>
    public float[] Images { get; } = images.Length == labels.Length * channels * height * width ? images
        : throw new ArgumentException($"{images.Length} pixels do not make {labels.Length} images of {channels}×{height}×{width}.");

    /// <summary>The true classes.</summary>
    public int[] Labels { get; } = labels;

    /// <summary>Channels per image.</summary>
    public int Channels { get; } = channels;

    /// <summary>Image height.</summary>
    public int Height { get; } = height;

    /// <summary>Image width.</summary>
    public int Width { get; } = width;

    /// <summary>Images in the batch.</summary>
    public int Count => Labels.Length;

    /// <summary>Values per image (C·H·W).</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>The NCHW shape of <paramref name="count"/> such images.</summary>
    public Shape ShapeOf(int count) => new(count, Channels, Height, Width);

    /// <summary>The images at the given positions (in that order) as a new batch.</summary>
    public AttackBatch Select(IReadOnlyList<int> rows)
    {
        var images = new float[rows.Count * ImageSize];
        var labels = new int[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            Array.Copy(Images, (long)rows[i] * ImageSize, images, (long)i * ImageSize, ImageSize);
            labels[i] = Labels[rows[i]];
        }
        return new AttackBatch(images, labels, Channels, Height, Width);
    }

    /// <summary>One image's pixels.</summary>
    public Span<float> Image(int row) => Images.AsSpan(row * ImageSize, ImageSize);

    /// <summary>Adds the pixels and then the labels, as raw bytes.</summary>
    public void AppendContent(System.Security.Cryptography.IncrementalHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Images.AsSpan()));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Labels.AsSpan()));
    }
}
