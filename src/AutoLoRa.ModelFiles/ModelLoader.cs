using System.Globalization;
using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Formats;
using AutoLoRa.Formats.PyTorch;
using AutoLoRa.Nn;
using AutoLoRa.Nn.Models;
using AutoLoRa.Nn.Models.Vit;

namespace AutoLoRa.ModelFiles;

/// <summary>
/// The one way to open a model: an autolora <c>.safetensors</c> model file or run
/// checkpoint (architecture in its metadata), or a PyTorch <c>.pt/.pth/.ckpt</c> converted in
/// memory (architecture from <see cref="ImportSettings"/>, or inferred from the weights).
/// </summary>
public static partial class ModelLoader
{
    private static readonly string[] PyTorchExtensions = [".pt", ".pth", ".ckpt", ".tar", ".bin"];

    /// <summary>True for the file names PyTorch checkpoints usually have (<c>.pt</c>, <c>.pth</c>, <c>.ckpt</c>, <c>.pth.tar</c>, <c>.bin</c>).</summary>
    public static bool IsPyTorch(string path) =>
        PyTorchExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Opens a model file, converting a PyTorch checkpoint in memory.</summary>
    public static Classifier Load(string path, Backend backend, ImportSettings? import = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ModelFile.RequireFile(path);
        return IsPyTorch(path) ? Import(path, backend, import ?? new ImportSettings()).Model : ModelFile.Load(path, backend);
    }

    /// <summary>Reads a PyTorch checkpoint, maps its keys and loads it into the model it describes.</summary>
    /// <exception cref="CheckpointException">The architecture cannot be told, or the weights do not fit it.</exception>
    public static ImportedModel Import(string path, Backend backend, ImportSettings settings)
    {
        ModelFile.RequireFile(path);
        using var checkpoint = TorchCheckpoint.Load(path);
        var profile = KeyProfiles.Get(settings.Profile) ?? KeyProfiles.Detect(checkpoint);
        // First pass: every mapped tensor, unchecked, to see the shapes the architecture must have.
        var shapes = PyTorchImport.ReadStateDict(checkpoint, profile, expectedKeys: null, strict: false).Entries
            .ToDictionary(e => e.Name, e => e.Shape, StringComparer.Ordinal);
        var inferred = new List<string>();
        var spec = IsVit(shapes) ? DescribeVit(path, shapes, settings, inferred) : Describe(path, shapes, settings, inferred);
        var model = ModelFactory.Create(backend, spec, seed: 0);
        try
        {
            var expected = StateDicts.ExpectedKeys(model);
            ImportedStateDict imported;
            try
            {
                imported = PyTorchImport.ReadStateDict(checkpoint, profile, expected, strict: false);
            }
            catch (StateDictKeyException e)
            {
                throw new CheckpointException(e.Message, Check(ImportSettings.Keys.Profile), e);
            }
            var report = imported.Report;
            if (report.Unexpected.Count > 0 || (settings.Strict && report.Missing.Count > 0))
            {
                string? looksLike = InferArchitecture(shapes.Keys);
                var hint = looksLike is not null && looksLike != spec.Architecture
                    ? new SettingException(ImportSettings.Keys.Architecture, k => $"the weights look like {looksLike}: check {k}")
                    : report.Unexpected.Count > 0
                        ? new SettingException([ImportSettings.Keys.Architecture, ImportSettings.Keys.Profile],
                            k => $"the checkpoint has weights this architecture lacks: check {k[0]} and {k[1]}")
                        : new SettingException(ImportSettings.Keys.NotStrict, k => $"{k} keeps those tensors as initialised");
                throw new CheckpointException($"{path}: keys do not match {Describe(spec)} — {report}", hint);
            }
            try
            {
                var stateDict = model is VisionTransformer vit ? FitPositions(imported.ByName, vit) : imported.ByName;
                StateDicts.Load(model, stateDict, strict: false);
            }
            catch (InvalidDataException e)
            {
                var hint = new SettingException([ImportSettings.Keys.Architecture, ImportSettings.Keys.Width, ImportSettings.Keys.Stem, ImportSettings.Keys.Classes],
                    k => $"the model was built as {Describe(spec)}; check {k[0]}, {k[1]}, {k[2]} and {k[3]}");
                throw new CheckpointException($"{path}: {e.Message}", hint, e);
            }
            // A checkpoint without a classifier (self-supervised) gets the zero-initialised head of a downstream task.
            var absent = report.Missing.Concat(report.AllowedMissing).ToHashSet(StringComparer.Ordinal);
            string head = spec.IsVit() ? "head" : "fc";
            if (absent.Contains(head + ".weight") && absent.Contains(head + ".bias")) model.ReplaceHead(spec.Classes);
            return new ImportedModel(model, report, inferred);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>One line: architecture, width, stem (a ViT: image size), classes, normalisation.</summary>
    public static string Describe(ModelSpec spec) => spec.IsVit()
        ? $"{spec.Architecture} ({spec.VitImageSize()}×{spec.VitImageSize()} images, {spec.InChannels} input channels, {spec.Classes} classes, " +
          $"mean {Format(spec.EffectiveMean)}, std {Format(spec.EffectiveStd)})"
        : $"{spec.Architecture} (width {spec.BaseWidth}, {spec.Stem.ToString().ToLowerInvariant()} stem, {spec.InChannels} input channels, {spec.Classes} classes, " +
        $"mean {Format(spec.EffectiveMean)}, std {Format(spec.EffectiveStd)})";

    /// <summary>The model spec from the flags, filling what they leave out from the tensor shapes.</summary>
    private static ModelSpec Describe(string path, IReadOnlyDictionary<string, IReadOnlyList<long>> shapes, ImportSettings s, List<string> inferred)
    {
        shapes.TryGetValue("conv1.weight", out var conv1);
        shapes.TryGetValue("fc.weight", out var fc);
        string? arch = s.Architecture ?? InferArchitecture(shapes.Keys);
        if (s.Architecture is null && arch is not null) inferred.Add($"architecture {arch}");

        int? width = s.Width ?? (conv1 is { Count: 4 } ? (int)conv1[0] : null);
        if (s.Width is null && width is not null) inferred.Add($"width {width}");
        int channels = conv1 is { Count: 4 } ? (int)conv1[1] : 3;

        StemKind? stem = s.Stem is { } stemName ? ParseStem(stemName) : conv1 is { Count: 4 } ? conv1[2] switch
        {
            7 => StemKind.ImageNet,
            3 => StemKind.Cifar,
            _ => null,
        } : null;
        if (s.Stem is null && stem is not null) inferred.Add($"{stem.Value.ToString().ToLowerInvariant()} stem");

        int? classes = s.Classes ?? (fc is { Count: 2 } ? (int)fc[0] : s.FallbackClasses);
        if (s.Classes is null && classes is not null) inferred.Add(fc is null ? $"{classes} classes (no classifier in the checkpoint)" : $"{classes} classes");

        var needed = new List<(string Key, string Choices)>();
        if (arch is null) needed.Add((ImportSettings.Keys.Architecture, $" ({string.Join("|", ModelFactory.Architectures)})"));
        if (width is null) needed.Add((ImportSettings.Keys.Width, ""));
        if (stem is null) needed.Add((ImportSettings.Keys.Stem, " (imagenet|cifar)"));
        if (classes is null) needed.Add((ImportSettings.Keys.Classes, ""));
        if (needed.Count == 1 && classes is null && fc is null)
        {
            throw new CheckpointException(
                $"{path}: the checkpoint has no classifier (a self-supervised backbone?), so it cannot predict classes as it is; " +
                "fine-tune it (a fine-tuning run gives it the new task's head)",
                new SettingException(ImportSettings.Keys.Classes, k => $"or give it a zero-initialised head with {k}"));
        }
        if (needed.Count > 0)
        {
            throw new CheckpointException(
                $"{path}: a PyTorch checkpoint does not record its architecture and it could not be told from the weights",
                new SettingException([.. needed.Select(n => n.Key)], k => "give " + string.Join(", ", k.Select((name, i) => name + needed[i].Choices))));
        }

        // Before a model of the claimed sizes is allocated: flags that contradict the weights fail the import anyway.
        if (fc is { Count: 2 } && fc[0] != classes)
            throw new CheckpointException($"{path}: {classes} classes contradict the checkpoint's classifier fc.weight of shape [{string.Join(", ", fc)}]",
                new SettingException(ImportSettings.Keys.Classes, k => $"leave {k} out"));
        if (conv1 is { Count: 4 } && conv1[0] != width && arch!.StartsWith("resnet", StringComparison.Ordinal))
            throw new CheckpointException($"{path}: width {width} contradicts the checkpoint's first convolution conv1.weight of shape [{string.Join(", ", conv1)}]",
                new SettingException(ImportSettings.Keys.Width, k => $"leave {k} out"));

        var (mean, std) = Normalization(s.Normalization, stem!.Value, channels);
        return new ModelSpec(arch!, classes!.Value, channels, width!.Value, stem.Value, mean, std);
    }

    /// <summary>The ResNet whose blocks per stage and block kind the keys show, or null.</summary>
    internal static string? InferArchitecture(IEnumerable<string> keys)
    {
        var depths = new int[4];
        bool bottleneck = false;
        foreach (var key in keys)
        {
            if (!key.StartsWith("layer", StringComparison.Ordinal) || key.Length < 8 || key[6] != '.') continue;
            int stage = key[5] - '1';
            int dot = key.IndexOf('.', 7);
            if ((uint)stage >= 4 || dot < 0 || !int.TryParse(key.AsSpan(7, dot - 7), NumberStyles.None, CultureInfo.InvariantCulture, out int block)) continue;
            depths[stage] = Math.Max(depths[stage], block + 1);
            if (key.AsSpan(dot).StartsWith(".conv3.", StringComparison.Ordinal)) bottleneck = true;
        }
        return (bottleneck, string.Join(",", depths)) switch
        {
            (false, "1,1,1,1") => "resnet-mini",
            (false, "2,2,2,2") => "resnet18",
            (false, "3,4,6,3") => "resnet34",
            (true, "3,4,6,3") => "resnet50",
            _ => null,
        };
    }

    private static StemKind ParseStem(string name) => name.ToLowerInvariant() switch
    {
        "imagenet" => StemKind.ImageNet,
        "cifar" => StemKind.Cifar,
        _ => throw new SettingException(ImportSettings.Keys.Stem, k => $"{k} '{name}' is unknown; choose imagenet or cifar."),
    };

    private static (float[]? Mean, float[]? Std) Normalization(string? name, StemKind stem, int channels)
    {
        string chosen = name?.ToLowerInvariant() ?? (stem == StemKind.ImageNet ? "imagenet" : "cifar");
        switch (chosen)
        {
            case "imagenet" when channels == 3:
                return (ModelSpec.ImageNetMean, ModelSpec.ImageNetStd);
            case "inception":
                // timm's augreg ViTs were trained on pixels scaled to [-1, 1].
                return (Enumerable.Repeat(0.5f, channels).ToArray(), Enumerable.Repeat(0.5f, channels).ToArray());
            case "cifar":
                return (null, null);
            case "none":
                return (new float[channels], Enumerable.Repeat(1f, channels).ToArray());
            case "imagenet":
                throw new SettingException(ImportSettings.Keys.Normalization, k => $"{k} imagenet needs 3 input channels; the checkpoint has {channels}.");
            default:
                throw new SettingException(ImportSettings.Keys.Normalization, k => $"{k} '{name}' is unknown; choose imagenet, inception, cifar or none.");
        }
    }

    private static SettingException Check(string key) => new(key, k => $"check {k}");

    private static string Format(float[] values) => "[" + string.Join(", ", values.Select(v => v.ToString("G4", CultureInfo.InvariantCulture))) + "]";
}
