using System.Globalization;
using System.Text.Json;
using AutoLoRa.Core.Backends;
using AutoLoRa.Formats;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Training.Checkpoints;

/// <summary>
/// A trained model as one safetensors file: the state dict under torchvision names (so PyTorch's
/// <c>safetensors</c> loads it as a normal state dict) plus the <see cref="ModelSpec"/> in the
/// metadata, so <c>autolora</c> can rebuild the architecture without flags.
/// </summary>
public static class ModelFile
{
    public const string SpecKey = "autolora.model";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    public static void Save(string path, Classifier model, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>())
        {
            [SpecKey] = SpecJson(model.Spec),
        };
        SafeTensors.Write(path, ModelStateCodec.ToEntries(model), metadata);
    }

    /// <summary>The metadata encoding of a model description.</summary>
    public static string SpecJson(ModelSpec spec) => JsonSerializer.Serialize(SpecRecord.From(spec), s_json);

    /// <summary>Rebuilds the model a model file or run checkpoint describes and loads its weights (strictly).</summary>
    public static Classifier Load(string path, IBackend backend)
    {
        var file = Read(path);
        var spec = SpecOf(file, path);
        var model = ModelFactory.Create(backend, spec, seed: 0);
        try
        {
            // A run checkpoint holds the current weights under "model." next to optimizer state.
            string prefix = file.Metadata.ContainsKey(RunCheckpoint.StateKey) ? RunCheckpoint.ModelPrefix : "";
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
            return (JsonSerializer.Deserialize<SpecRecord>(json, s_json) ?? throw new JsonException("null")).ToSpec();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new CheckpointException($"{path}: the '{SpecKey}' metadata is not a valid model description ({e.Message}).", e);
        }
    }

    public static SafeTensorsFile Read(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{path}: no such file.");
        return SafeTensors.Read(path);
    }

    /// <summary>The JSON shape of a <see cref="ModelSpec"/> (explicit, so the file format does not follow refactors).</summary>
    /// <remarks>InputSize came later: files without it deserialise it as 0 (no resize).</remarks>
    private sealed record SpecRecord(string Architecture, int Classes, int InChannels, int BaseWidth, string Stem, float[] Mean, float[] Std, int LoraRank, int InputSize)
    {
        public static SpecRecord From(ModelSpec s) =>
            new(s.Architecture, s.Classes, s.InChannels, s.BaseWidth, s.Stem.ToString().ToLower(CultureInfo.InvariantCulture), s.EffectiveMean, s.EffectiveStd, s.LoraRank, s.InputSize);

        public ModelSpec ToSpec()
        {
            if (!Enum.TryParse<StemKind>(Stem, ignoreCase: true, out var stem)) throw new ArgumentException($"unknown stem '{Stem}'");
            if (InputSize < 0) throw new ArgumentException($"input size {InputSize} is negative");
            return new ModelSpec(Architecture, Classes, InChannels, BaseWidth, stem, Mean, Std, LoraRank, InputSize);
        }
    }
}
