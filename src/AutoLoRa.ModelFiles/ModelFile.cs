using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AutoLoRa.Core.Backends;
using AutoLoRa.Formats;
using AutoLoRa.Nn.Layers;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.ModelFiles;

/// <summary>
/// A trained model as one safetensors file: the state dict under torchvision names (so PyTorch's
/// <c>safetensors</c> loads it as a normal state dict) plus the <see cref="ModelSpec"/> in the
/// metadata, so <c>autolora</c> can rebuild the architecture without flags.
/// <para>
/// A TWINS model is written in its inference form: the frozen wings (<c>….main_bn.*</c>) are left
/// out and the spec says plain batch-norms, so the file is an ordinary torchvision-layout model whose
/// batch-norms are the adaptive wings — exactly what TWINS evaluates, since eval mode never uses the
/// frozen wing. The run checkpoint keeps both wings, for resuming.
/// </para>
/// </summary>
public static class ModelFile
{
    /// <summary>The metadata key of the model description (architecture, classes, widths, normalisation, LoRA).</summary>
    public const string SpecKey = "autolora.model";

    /// <summary>Writes <paramref name="model"/>'s state dict and description to <paramref name="path"/>, with the tensor checksum.</summary>
    public static void Save(string path, Classifier model, IReadOnlyDictionary<string, string>? extraMetadata = null) =>
        Save(path, ModelStateCodec.ToEntries(model), model.Spec, extraMetadata);

    /// <summary>Writes a state dict (e.g. kept best weights) of a model described by <paramref name="spec"/>, in inference form.</summary>
    public static void Save(string path, IEnumerable<SafeTensorEntry> entries, ModelSpec spec, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        string frozenWing = "." + BatchNorm2d.FrozenWingName + ".";
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>())
        {
            [SpecKey] = SpecJson(spec with { TwinNorms = false }),
        };
        Write(path, [.. entries.Where(e => !e.Name.Contains(frozenWing, StringComparison.Ordinal))], metadata);
    }

    /// <summary>Writes a file of ours (model file or run checkpoint) atomically, with the <see cref="TensorChecksum"/> of its tensors in the metadata.</summary>
    public static void Write(string path, IReadOnlyCollection<SafeTensorEntry> entries, IReadOnlyDictionary<string, string> metadata) =>
        SafeTensors.Write(path, entries, TensorChecksum.Stamp(entries, metadata));

    /// <summary>
    /// The metadata key that marks a training run's checkpoint (it holds the run state); such a file
    /// keeps the current weights under <see cref="RunModelPrefix"/> next to the optimiser's state.
    /// Training writes these files; they are declared here so that any model file opens the same way.
    /// </summary>
    public const string RunStateKey = "autolora.run";

    /// <summary>The prefix of the model's tensors in a run checkpoint.</summary>
    public const string RunModelPrefix = "model.";

    /// <summary>The metadata encoding of a model description.</summary>
    public static string SpecJson(ModelSpec spec) => JsonSerializer.Serialize(SpecRecord.From(spec), ModelFileJsonContext.Default.SpecRecord);

    /// <summary>Rebuilds the model a model file or run checkpoint describes and loads its weights (strictly).</summary>
    public static Classifier Load(string path, Backend backend)
    {
        var file = Read(path);
        var spec = SpecOf(file, path);
        // A run checkpoint holds the current weights under "model." next to optimizer state.
        string prefix = file.Metadata.ContainsKey(RunStateKey) ? RunModelPrefix : "";
        CheckSizes(file, spec, prefix, path);
        var model = ModelFactory.Create(backend, spec, seed: 0);
        try
        {
            ModelStateCodec.Load(model, file, prefix, source: path);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Compares the sizes the description claims with the tensors the file holds before a model is
    /// built from it, so an edited description (a million classes, a huge width) is refused without
    /// allocating what it claims: the head must have <see cref="ModelSpec.Classes"/> rows, and the
    /// first convolution the description's input channels and (for ResNets) base width; a vision
    /// transformer's patch embedding the input channels and its position embedding the image size's tokens.
    /// </summary>
    private static void CheckSizes(SafeTensorsFile file, ModelSpec spec, string prefix, string path)
    {
        void Expect(string name, int axis, int claimed, string field)
        {
            if (!file.TryGet(prefix + name, out var entry))
                throw new CheckpointException($"{path}: no tensor '{prefix + name}', which every model has; the file is not a complete model.");
            if (entry.Shape.Count <= axis || entry.Shape[axis] != claimed)
            {
                throw new CheckpointException(
                    $"{path}: the '{SpecKey}' metadata says {field} {claimed}, but tensor '{prefix + name}' has shape [{string.Join(", ", entry.Shape)}]; the metadata was edited or belongs to another model.");
            }
        }
        if (spec.IsVit())
        {
            int grid = VitSize.Of(spec.Architecture).Grid(spec.VitImageSize());
            Expect("head.weight", 0, spec.Classes, "classes");
            Expect("patch_embed.proj.weight", 1, spec.InChannels, "in-channels");
            Expect("pos_embed", 1, 1 + grid * grid, $"image size {spec.VitImageSize()}, hence tokens");
            return;
        }
        Expect("fc.weight", 0, spec.Classes, "classes");
        Expect("conv1.weight", 1, spec.InChannels, "in-channels");
        if (spec.Architecture.StartsWith("resnet", StringComparison.Ordinal)) Expect("conv1.weight", 0, spec.BaseWidth, "width");
    }

    /// <summary>The architecture stored in a file's metadata, checked field by field (<see cref="ModelSpec.Validate"/>).</summary>
    public static ModelSpec SpecOf(SafeTensorsFile file, string path)
    {
        if (!file.Metadata.TryGetValue(SpecKey, out var json))
        {
            throw new CheckpointException($"{path}: no '{SpecKey}' metadata, so the architecture is unknown (was it written by autolora? For PyTorch files use 'autolora convert').");
        }
        try
        {
            var spec = (JsonSerializer.Deserialize(json, ModelFileJsonContext.Default.SpecRecord) ?? throw new JsonException("null")).ToSpec();
            spec.Validate();
            return spec;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new CheckpointException($"{path}: the '{SpecKey}' metadata is not a valid model description ({e.Message.TrimEnd('.')}).", inner: e);
        }
    }

    /// <summary>Refuses a path that is not an existing file, saying which it is (a run directory is a common slip for the model in it).</summary>
    /// <exception cref="CheckpointException">No such file, or a directory.</exception>
    public static void RequireFile(string path)
    {
        if (Directory.Exists(path)) throw new CheckpointException($"{path}: is a directory; give a file in it (e.g. {Path.Combine(path, "best.safetensors")}).");
        if (!File.Exists(path)) throw new CheckpointException($"{path}: no such file.");
    }

    /// <summary>Reads a model file or run checkpoint, checking its <see cref="TensorChecksum"/> when it has one.</summary>
    public static SafeTensorsFile Read(string path)
    {
        RequireFile(path);
        var file = SafeTensors.Read(path);
        TensorChecksum.Verify(file, path);
        return file;
    }

    /// <summary>The JSON shape of a <see cref="ModelSpec"/> (explicit, so the file format does not follow refactors).</summary>
    /// <remarks>
    /// Fields added later read as their defaults from older files: InputSize 0 (no resize), TwinNorms
    /// false, InputResize null (bilinear, the only mode then), LoraShortcuts null (true), LoraTargets null
    /// (a ViT's default targets), ImageSize null (the architecture's). Those four are written only when
    /// they differ from that, so other models' files are byte for byte what they were.
    /// </remarks>
    internal sealed record SpecRecord(string Architecture, int Classes, int InChannels, int BaseWidth, string Stem, float[] Mean, float[] Std, int LoraRank, int InputSize,
        bool TwinNorms = false,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? InputResize = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? LoraShortcuts = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? LoraTargets = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ImageSize = null)
    {
        private const string Nearest = "nearest";

        public static SpecRecord From(ModelSpec s) =>
            new(s.Architecture, s.Classes, s.InChannels, s.BaseWidth, s.Stem.ToString().ToLower(CultureInfo.InvariantCulture), s.EffectiveMean, s.EffectiveStd, s.LoraRank, s.InputSize,
                s.TwinNorms, s.InputResize == ResizeMode.Nearest ? Nearest : null, s.LoraShortcuts ? null : false, s.LoraTargets,
                s.ImageSize > 0 ? s.ImageSize : null);

        public ModelSpec ToSpec()
        {
            // Exact names only: Enum.TryParse would also take numbers and padded text.
            var stem = Stem?.ToLowerInvariant() switch
            {
                "cifar" => StemKind.Cifar,
                "imagenet" => StemKind.ImageNet,
                _ => throw new ArgumentException($"unknown stem '{DisplayText.Clip(Stem ?? "null")}'; expected cifar or imagenet"),
            };
            var resize = InputResize switch
            {
                null => ResizeMode.Bilinear,
                Nearest => ResizeMode.Nearest,
                _ => throw new ArgumentException($"unknown input resize '{DisplayText.Clip(InputResize)}'"),
            };
            return new ModelSpec(Architecture, Classes, InChannels, BaseWidth, stem, Mean, Std, LoraRank, InputSize, TwinNorms, resize, LoraShortcuts ?? true,
                LoraTargets, ImageSize ?? 0);
        }
    }
}

/// <summary>Source-generated JSON for the model description in a file's metadata (compact, names as declared).</summary>
[JsonSerializable(typeof(ModelFile.SpecRecord))]
internal sealed partial class ModelFileJsonContext : JsonSerializerContext;
