using AutoLoRa.Robust;

namespace AutoLoRa.Training;

/// <summary>How a training run loops: epochs, batches, seed, validation attack, where it writes.</summary>
public sealed record TrainingOptions
{
    /// <summary>Epochs to run in total (a resumed run runs the rest).</summary>
    public required int Epochs { get; init; }

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Fixes data order, augmentation and attack noise: the same seed (and thread count) gives the same weights.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Folder for config.json, log.jsonl, checkpoint.safetensors, model.safetensors and best.safetensors.</summary>
    public required string RunDirectory { get; init; }

    /// <summary>The validation attack (PGD-20 in the reference).</summary>
    public required PgdConfig ValidationAttack { get; init; }

    /// <summary>Continue from RunDirectory/checkpoint.safetensors when it exists.</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Random crop padding for in-memory training images (0 disables cropping).</summary>
    public int CropPadding { get; init; }

    /// <summary>
    /// Random horizontal flips. With padding or flips, image folders train with the reference's
    /// RandomResizedCrop (and the flip when set); with neither, with their test transform.
    /// </summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>Batches (of <see cref="BatchSize"/>, a fixed subset of the training data) on which the gradient similarity is measured after every epoch; 0 skips it.</summary>
    public int GradSimBatches { get; init; }
}
