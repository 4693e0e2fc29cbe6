namespace AutoLoRa.Formats.PyTorch;

/// <summary>A checkpoint's model weights under our names, with the mapping report.</summary>
/// <param name="Entries">Tensors named and typed as torchvision would have them (float32 weights, int64 counters).</param>
/// <param name="Report">What was mapped, ignored, unexpected and missing.</param>
public sealed record ImportedStateDict(IReadOnlyList<SafeTensorEntry> Entries, KeyMappingReport Report)
{
    /// <summary>The entries by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorEntry> ByName => Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
}

/// <summary>
/// PyTorch checkpoint → our state dict: read the file (zip or legacy), pick the state dict and
/// rename its keys with a <see cref="KeyProfile"/>, check them against the names a model
/// expects, and normalise dtypes the way torchvision stores them.
/// </summary>
public static class PyTorchImport
{
    /// <summary>Reads the model weights of a PyTorch checkpoint.</summary>
    /// <param name="path">A <c>.pt</c>/<c>.pth</c>/<c>.ckpt</c> file written by <c>torch.save</c>.</param>
    /// <param name="profile">Key layout; null detects it (<see cref="KeyProfiles.Detect"/>).</param>
    /// <param name="expectedKeys">The names the target model has (e.g. from <c>StateDicts.ExpectedKeys</c>); null skips the
    /// missing/unexpected check, except that two keys mapping to one name is always an error.</param>
    /// <param name="strict">Throw <see cref="StateDictKeyException"/> when keys are unexpected or missing.</param>
    /// <exception cref="TorchFormatException">The file is not a readable weights-only checkpoint.</exception>
    /// <exception cref="StateDictKeyException">Strict and the keys do not match.</exception>
    public static ImportedStateDict ReadStateDict(string path, KeyProfile? profile = null,
        IReadOnlyCollection<string>? expectedKeys = null, bool strict = true)
    {
        using var checkpoint = TorchCheckpoint.Load(path);
        return ReadStateDict(checkpoint, profile, expectedKeys, strict);
    }

    /// <summary>As <see cref="ReadStateDict(string, KeyProfile?, IReadOnlyCollection{string}?, bool)"/>, from an open checkpoint.</summary>
    public static ImportedStateDict ReadStateDict(TorchCheckpoint checkpoint, KeyProfile? profile = null,
        IReadOnlyCollection<string>? expectedKeys = null, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        profile ??= KeyProfiles.Detect(checkpoint);
        var node = profile.SelectStateDict(checkpoint.Root);
        var expected = expectedKeys is null ? null : new HashSet<string>(expectedKeys, StringComparer.Ordinal);
        var mapped = new List<KeyValuePair<string, string>>();
        var ignored = new List<KeyValuePair<string, string>>();
        var unexpected = new List<string>();
        var entries = new List<SafeTensorEntry>();
        var taken = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, tensor) in checkpoint.Tensors(node))
        {
            var decision = profile.Map(key);
            if (decision.Target is not { } target)
            {
                ignored.Add(new(key, decision.IgnoredBecause ?? "ignored"));
                continue;
            }
            if (taken.TryGetValue(target, out var first))
            {
                unexpected.Add($"{key} (maps to '{target}', already supplied by {first})");
                continue;
            }
            if (expected is not null && !expected.Contains(target))
            {
                unexpected.Add(key == target ? key : $"{key} (as '{target}')");
                continue;
            }
            taken[target] = key;
            mapped.Add(new(key, target));
            entries.Add(Normalise(tensor.ToEntry(target, checkpoint.Source)));
        }
        var absent = expected is null ? [] : expectedKeys!.Where(k => !taken.ContainsKey(k)).ToList();
        var report = new KeyMappingReport(profile.Name, mapped, ignored, unexpected,
            absent.Where(k => !profile.MayBeMissing(k)).ToList(), absent.Where(profile.MayBeMissing).ToList());
        if (strict && !report.IsExact)
            throw new StateDictKeyException(checkpoint.Source, report);
        // Duplicate targets would silently drop a tensor, so they fail even when not strict.
        if (unexpected.Any(u => u.Contains("already supplied by", StringComparison.Ordinal)))
            throw new StateDictKeyException(checkpoint.Source, report);
        return new ImportedStateDict(entries, report);
    }

    /// <summary>
    /// Converts a PyTorch checkpoint to a safetensors state dict that PyTorch's <c>safetensors</c>
    /// library loads as a normal torchvision state dict. Returns the mapping report.
    /// </summary>
    /// <param name="inPath">The PyTorch checkpoint.</param>
    /// <param name="outPath">The safetensors file to write (atomically replaced).</param>
    /// <param name="profile">Key layout; null detects it.</param>
    /// <param name="expectedKeys">Names the target model has; null skips the completeness check.</param>
    /// <param name="strict">Fail when keys are unexpected or missing.</param>
    public static KeyMappingReport Convert(string inPath, string outPath, KeyProfile? profile = null,
        IReadOnlyCollection<string>? expectedKeys = null, bool strict = true)
    {
        var imported = ReadStateDict(inPath, profile, expectedKeys, strict);
        var metadata = new Dictionary<string, string>
        {
            // "format": "pt" is what Hugging Face's loaders look for in a PyTorch state dict.
            ["format"] = "pt",
            ["source"] = Path.GetFileName(inPath),
            ["key_profile"] = imported.Report.Profile,
        };
        SafeTensors.Write(outPath, imported.Entries, metadata);
        return imported.Report;
    }

    /// <summary>
    /// torchvision keeps weights in float32 and batch counters in int64: widen half/bfloat16,
    /// narrow float64 (a checkpoint saved after <c>.double()</c>), widen int32 counters.
    /// </summary>
    internal static SafeTensorEntry Normalise(SafeTensorEntry entry) => entry.DType switch
    {
        SafeTensorDType.F16 or SafeTensorDType.BF16 => SafeTensorEntry.FromFloat32(entry.Name, [.. entry.Shape], entry.AsFloat32()),
        SafeTensorDType.F64 => SafeTensorEntry.FromFloat32(entry.Name, [.. entry.Shape], Array.ConvertAll(entry.AsFloat64(), v => (float)v)),
        SafeTensorDType.I32 when entry.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal) =>
            SafeTensorEntry.FromInt64(entry.Name, [.. entry.Shape], entry.AsInt64()),
        _ => entry,
    };
}
