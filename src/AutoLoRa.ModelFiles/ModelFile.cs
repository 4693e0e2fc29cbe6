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
    public const string SpecKey = "autolora.model";

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
        SafeTensors.Write(path, entries.Where(e => !e.Name.Contains(frozenWing, StringComparison.Ordinal)), metadata);
    }

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
        var model = ModelFactory.Create(backend, spec, seed: 0);
        try
        {
            // A run checkpoint holds the current weights under "model." next to optimizer state.
            string prefix = file.Metadata.ContainsKey(RunStateKey) ? RunModelPrefix : "";
            ModelStateCodec.Load(model, file, prefix, source: path);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The architecture stored in a file's metadata.</summary>
    public static ModelSpec SpecOf(SafeTensorsFile file, string path)
    {
        if (!file.Metadata.TryGetValue(SpecKey, out var json))
        {
            throw new CheckpointException($"{path}: no '{SpecKey}' metadata, so the architecture is unknown (was it written by autolora? For PyTorch files use 'autolora convert').");
        }
        try
        {
            return (JsonSerializer.Deserialize(json, ModelFileJsonContext.Default.SpecRecord) ?? throw new JsonException("null")).ToSpec();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new CheckpointException($"{path}: the '{SpecKey}' metadata is not a valid model description ({e.Message}).", inner: e);
        }
    }

    public static SafeTensorsFile Read(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{path}: no such file.");
        return SafeTensors.Read(path);
    }

    /// <summary>The JSON shape of a <see cref="ModelSpec"/> (explicit, so the file format does not follow refactors).</summary>
    /// <remarks>Fields added later read as their defaults from older files: InputSize 0 (no resize), TwinNorms false.</remarks>
    internal sealed record SpecRecord(string Architecture, int Classes, int InChannels, int BaseWidth, string Stem, float[] Mean, float[] Std, int LoraRank, int InputSize,
        bool TwinNorms = false)
    {
        public static SpecRecord From(ModelSpec s) =>
            new(s.Architecture, s.Classes, s.InChannels, s.BaseWidth, s.Stem.ToString().ToLower(CultureInfo.InvariantCulture), s.EffectiveMean, s.EffectiveStd, s.LoraRank, s.InputSize,
                s.TwinNorms);

        public ModelSpec ToSpec()
        {
            if (!Enum.TryParse<StemKind>(Stem, ignoreCase: true, out var stem)) throw new ArgumentException($"unknown stem '{Stem}'");
            if (InputSize < 0) throw new ArgumentException($"input size {InputSize} is negative");
            return new ModelSpec(Architecture, Classes, InChannels, BaseWidth, stem, Mean, Std, LoraRank, InputSize, TwinNorms);
        }
    }
}

/// <summary>Source-generated JSON for the model description in a file's metadata (compact, names as declared).</summary>
[JsonSerializable(typeof(ModelFile.SpecRecord))]
internal sealed partial class ModelFileJsonContext : JsonSerializerContext;
