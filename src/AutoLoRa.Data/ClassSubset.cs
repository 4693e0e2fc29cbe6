namespace AutoLoRa.Data;

/// <summary>
/// Class subsets for <c>--classes</c>: a spec such as <c>5-9</c>, <c>0,2,4</c>, <c>3</c> or
/// <c>0-2,7</c> selects classes, and the kept samples are relabelled 0..k−1 in the order listed
/// (so <c>7,3</c> makes class 7 label 0), which is what a k-way classifier head needs.
/// </summary>
public static class ClassSubset
{
    /// <summary>Parses a spec into class indices in listed order.</summary>
    /// <exception cref="DataFormatException">Malformed, out of [0, classCount), empty or repeated.</exception>
    public static int[] Parse(string spec, int classCount)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var classes = new List<int>();
        foreach (string rawPart in spec.Split(','))
        {
            string part = rawPart.Trim();
            if (part.Length == 0) throw Error(spec, classCount, "an empty item");
            int dash = part.IndexOf('-');
            if (dash >= 0)
            {
                int lo = Number(spec, part[..dash], classCount), hi = Number(spec, part[(dash + 1)..], classCount);
                if (hi < lo) throw Error(spec, classCount, $"the descending range '{part}'");
                for (int c = lo; c <= hi; c++) classes.Add(c);
            }
            else
            {
                classes.Add(Number(spec, part, classCount));
            }
        }
        var repeated = classes.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw Error(spec, classCount, $"class {repeated.Key} more than once");
        return [.. classes];
    }

    /// <summary>
    /// Keeps the samples of <paramref name="classes"/> (original indices), relabelled by position
    /// in that list; class names follow. Sample order is preserved.
    /// </summary>
    public static IImageSet Apply(IImageSet dataset, IReadOnlyList<int> classes)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var map = new int[dataset.ClassCount];
        Array.Fill(map, -1);
        for (int i = 0; i < classes.Count; i++)
        {
            if ((uint)classes[i] >= (uint)dataset.ClassCount)
                throw new DataFormatException($"--classes: class {classes[i]} is outside 0..{dataset.ClassCount - 1} of {dataset.Name}.");
            if (map[classes[i]] >= 0) throw new DataFormatException($"--classes: class {classes[i]} is listed more than once.");
            map[classes[i]] = i;
        }
        if (classes.Count == 0) throw new DataFormatException("--classes: no class selected.");

        var kept = new List<int>();
        var labels = new List<int>();
        for (int i = 0; i < dataset.Count; i++)
        {
            int label = map[dataset.Labels[i]];
            if (label < 0) continue;
            kept.Add(i);
            labels.Add(label);
        }
        var names = classes.Select(c => dataset.ClassNames[c]).ToArray();
        return dataset.Subset([.. kept], [.. labels], names, $"{dataset.Name}[classes {string.Join(",", classes)}]");
    }

    private static int Number(string spec, string text, int classCount)
    {
        if (!int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value))
            throw Error(spec, classCount, $"'{text.Trim()}', which is not a class number");
        if (value >= classCount) throw Error(spec, classCount, $"class {value}, outside 0..{classCount - 1}");
        return value;
    }

    private static DataFormatException Error(string spec, int classCount, string found) =>
        new($"--classes {spec}: found {found}; expected class numbers in 0..{classCount - 1} written as a list and/or ranges, e.g. 5-9, 0,2,4 or 3.");
}
