using System.Runtime.InteropServices;
using System.Security.Cryptography;
using AutoLoRa.Robust;

namespace AutoLoRa.Training.Evaluation;

/// <summary>
/// The points of an <see cref="IImageSet"/> (with its evaluation transforms) as AutoAttack fetches
/// them: only the rows asked for are materialised, so an image folder is decoded batch by batch
/// instead of being held in memory as floats. The content fingerprint is the one an
/// <see cref="AttackBatch"/> of the same points would give, computed in one streaming pass.
/// </summary>
public sealed class ImageSetAttackPoints(IImageSet set, int batchSize = 128) : IAttackPoints
{
    private static readonly EpochOrdering InOrder = new(Shuffle: false, DropLast: false, Seed: 0, Background: false, Prefetch: 1);

    public int Count => set.Count;

    public int Channels => set.Channels;

    public int Height => set.Height;

    public int Width => set.Width;

    public AttackBatch Select(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) return new AttackBatch([], [], Channels, Height, Width);
        var subset = set.Select([.. rows]);
        using var loader = subset.CreateLoader(rows.Count, InOrder);
        var batch = loader.Epoch(0).Single();
        return new AttackBatch(batch.ImageValues.ToArray(), batch.LabelValues.ToArray(), Channels, Height, Width);
    }

    public void AppendContent(IncrementalHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        var labels = new List<int>(set.Count);
        using var loader = set.CreateLoader(batchSize, ImageSets.Evaluation());
        foreach (var batch in loader.Epoch(0))
        {
            hash.AppendData(MemoryMarshal.AsBytes(batch.ImageValues));
            foreach (int label in batch.LabelValues) labels.Add(label);
        }
        hash.AppendData(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(labels)));
    }
}
