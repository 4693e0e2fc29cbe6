using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Data;

/// <summary>
/// One mini-batch on the host: images as [0,1] floats NCHW and int labels. The arrays are
/// buffers owned by the loader and reused, so they are sized for a full batch; only the first
/// <see cref="Count"/> samples are valid, and the batch is valid until the enumeration moves on.
/// </summary>
public sealed class Batch
{
    internal Batch(int capacity, int channels, int height, int width)
    {
        Channels = channels;
        Height = height;
        Width = width;
        Images = new float[(long)capacity * channels * height * width];
        Labels = new int[capacity];
    }

    /// <summary>Image buffer, NCHW; the first <see cref="Count"/> × C×H×W values are this batch.</summary>
    public float[] Images { get; }

    /// <summary>Label buffer; the first <see cref="Count"/> entries are this batch.</summary>
    public int[] Labels { get; }

    /// <summary>Samples in this batch (the last batch of an epoch may be short).</summary>
    public int Count { get; internal set; }

    /// <summary>The epoch this batch belongs to.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Position of this batch in its epoch, from 0.</summary>
    public int Index { get; internal set; }

    /// <summary>Channels per image.</summary>
    public int Channels { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>Shape of the valid images: [Count, C, H, W].</summary>
    public Shape ImageShape => new(Count, Channels, Height, Width);

    /// <summary>The valid image values.</summary>
    public ReadOnlySpan<float> ImageValues => Images.AsSpan(0, Count * Channels * Height * Width);

    /// <summary>The valid labels.</summary>
    public ReadOnlySpan<int> LabelValues => Labels.AsSpan(0, Count);

    /// <summary>
    /// New tensors on <paramref name="backend"/> holding this batch ([N,C,H,W] float, [N] int32).
    /// They join the current <see cref="TensorScope"/>, if any; otherwise the caller disposes them.
    /// </summary>
    public (Tensor Images, Tensor Labels) ToTensors(Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var images = Tensor.FromArray(backend, ImageValues, ImageShape);
        try
        {
            return (images, Tensor.FromLabels(backend, LabelValues));
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Uploads into existing tensors of exactly this batch's shapes, for a loop that keeps its
    /// input tensors and so allocates nothing per step.
    /// </summary>
    public void UploadTo(Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Shape != ImageShape || images.DType != DType.Float32)
            throw new ArgumentException($"Image tensor {images.Shape} {images.DType} does not match batch {ImageShape} Float32.", nameof(images));
        if (labels.ElementCount != Count || labels.DType != DType.Int32)
            throw new ArgumentException($"Label tensor {labels.Shape} {labels.DType} does not match batch [{Count}] Int32.", nameof(labels));
        images.Backend.Upload(ImageValues, images.Buffer);
        labels.Backend.Upload(LabelValues, labels.Buffer);
    }
}
