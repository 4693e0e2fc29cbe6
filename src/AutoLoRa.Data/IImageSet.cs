namespace AutoLoRa.Data;

/// <summary>
/// A sized, indexable set of labelled images that can be cut into subsets and served as epochs of
/// batches — what training, validation and evaluation consume, whether the images are held in
/// memory (<see cref="ImageDataset"/>) or decoded from files per batch (<see cref="Folders.ImageFolder"/>).
/// Per-sample work stays inside each implementation's loader, so the batch loops see no virtual
/// call per sample.
/// </summary>
public interface IImageSet
{
    /// <summary>A short description of the source, e.g. <c>cifar10/train</c> or <c>folder:/data/pets/test</c>.</summary>
    string Name { get; }

    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>Channels of a served image.</summary>
    int Channels { get; }

    /// <summary>Height of a served image (after the set's own transforms).</summary>
    int Height { get; }

    /// <summary>Width of a served image.</summary>
    int Width { get; }

    /// <summary>Class names; index = label.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes.</summary>
    int ClassCount { get; }

    /// <summary>Each sample's class index.</summary>
    IReadOnlyList<int> Labels { get; }

    /// <summary>
    /// The samples at <paramref name="indices"/> (in that order) with new <paramref name="labels"/>
    /// and <paramref name="classNames"/> — a split, a size limit or a relabelled class subset.
    /// </summary>
    IImageSet Subset(ReadOnlySpan<int> indices, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames, string name);

    /// <summary>
    /// Epochs of batches of [0,1] floats. With an <paramref name="augmentation"/> the set applies its
    /// training transforms (random crop and flip for in-memory images; RandomResizedCrop and flip for
    /// image folders), otherwise its evaluation transforms (none; Resize → CenterCrop).
    /// </summary>
    EpochLoader CreateLoader(int batchSize, EpochOrdering ordering, Augmentation? augmentation = null);
}

/// <summary>Helpers over any <see cref="IImageSet"/>.</summary>
public static class ImageSets
{
    /// <summary>The ordering of an evaluation pass: dataset order, every sample, batches prepared ahead.</summary>
    public static EpochOrdering Evaluation(ulong seed = 0) => new(Shuffle: false, DropLast: false, Seed: seed, Background: true, Prefetch: 2);

    /// <summary>The samples at <paramref name="indices"/> with their labels and classes.</summary>
    public static IImageSet Select(this IImageSet set, ReadOnlySpan<int> indices, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++) labels[i] = set.Labels[indices[i]];
        return set.Subset(indices, labels, set.ClassNames, name ?? set.Name);
    }
}
