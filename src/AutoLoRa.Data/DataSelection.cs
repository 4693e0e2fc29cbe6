using AutoLoRa.Data.Folders;

namespace AutoLoRa.Data;

/// <summary>
/// Opens a split of a data spec (<c>--data</c>: in memory, or an image folder decoded per batch),
/// applies a class subset (<c>--classes</c>) and an optional size limit: what the training verbs,
/// the demo and the reproduction runner all select.
/// </summary>
public static class DataSelection
{
    /// <summary>The training split; a limit keeps the first n samples after a seeded shuffle, so every class stays represented.</summary>
    public static (IImageSet Data, DataSource Source) Train(string spec, string? classes, int? limit, int seed, ImageFolderOptions? folder = null)
    {
        var source = DataSource.Parse(spec);
        return (Limit(Subset(Open(source, train: true, folder), classes), limit, seed, shuffle: true), source);
    }

    /// <summary>The test split; a limit keeps its first n samples (the convention of --n in robustness evaluations).</summary>
    public static IImageSet Test(string spec, string? classes, int? limit, ImageFolderOptions? folder = null) =>
        Limit(Subset(Open(DataSource.Parse(spec), train: false, folder), classes), limit, seed: 0, shuffle: false);

    private static IImageSet Open(DataSource source, bool train, ImageFolderOptions? folderOptions)
    {
        var data = source.Open(train, folderOptions);
        if (data is ImageFolder { Skipped.Count: > 0 } folder)
        {
            Console.WriteLine($"{folder.Name}: left out {folder.Skipped.Count} image(s) that do not decode (--corrupt-images fail stops instead):");
            // Each reason starts with the file's path.
            foreach (var skipped in folder.Skipped.Take(10)) Console.WriteLine($"  {skipped.Reason}");
            if (folder.Skipped.Count > 10) Console.WriteLine($"  … and {folder.Skipped.Count - 10} more");
        }
        return data;
    }

    private static IImageSet Subset(IImageSet data, string? classes) =>
        classes is null ? data : ClassSubset.Apply(data, ClassSubset.Parse(classes, data.ClassCount));

    private static IImageSet Limit(IImageSet data, int? n, int seed, bool shuffle)
    {
        if (n is null || n >= data.Count) return data;
        if (n < 1) throw new ArgumentException($"A size limit must be at least 1 (got {n}).");
        var order = Enumerable.Range(0, data.Count).ToArray();
        if (shuffle)
        {
            var rng = SeededRandom.For((ulong)seed, 0x11417);
            rng.Shuffle(order);
        }
        return data.Select(order.AsSpan(0, n.Value), $"{data.Name} (first {n})");
    }
}
