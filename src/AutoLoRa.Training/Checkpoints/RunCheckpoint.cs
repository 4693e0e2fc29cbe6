using System.Text.Json;
using AutoLoRa.Formats;
using AutoLoRa.Training.Optim;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Training.Checkpoints;

/// <summary>
/// A run's complete state in one safetensors file, written atomically at the end of every epoch:
/// current weights ("model."), SGD momentum ("optim."), the best-validation weights ("best.") and
/// the <see cref="RunState"/> as metadata. One file means a kill at any moment leaves either the
/// previous epoch's state or this one's, never a mix.
/// </summary>
public static class RunCheckpoint
{
    public const string FileName = "checkpoint.safetensors";
    private const string OptimPrefix = "optim.", BestPrefix = "best.";

    public static void Save(string path, Classifier model, Sgd optimizer, IReadOnlyList<SafeTensorEntry>? best, RunState state)
    {
        var entries = ModelStateCodec.ToEntries(model, ModelFile.RunModelPrefix).ToList();
        var names = model.NamedParameters().Select(p => p.Name).ToList();
        var velocities = optimizer.Velocities;
        for (int i = 0; i < velocities.Count; i++)
        {
            var v = velocities[i];
            entries.Add(SafeTensorEntry.FromFloat32(OptimPrefix + names[i] + ".momentum_buffer", v.Shape.ToArray().Select(d => (long)d).ToArray(), v.ToArray()));
        }
        if (best is not null) entries.AddRange(best.Select(e => ModelStateCodec.WithName(e, BestPrefix + e.Name)));
        var metadata = new Dictionary<string, string>
        {
            [ModelFile.RunStateKey] = JsonSerializer.Serialize(state, TrainingJsonContext.Default.RunState),
            // The model description too, so `autolora inspect` and `eval` read checkpoints like model files.
            [ModelFile.SpecKey] = ModelFile.SpecJson(model.Spec),
        };
        ModelFile.Write(path, entries, metadata);
    }

    /// <summary>Loads weights and momentum into the model and optimizer; returns the run state and the best weights.</summary>
    public static (RunState State, IReadOnlyList<SafeTensorEntry>? Best) Load(string path, Classifier model, Sgd optimizer)
    {
        var file = ModelFile.Read(path);
        if (!file.Metadata.TryGetValue(ModelFile.RunStateKey, out var json)) throw new CheckpointException($"{path}: not a run checkpoint (no '{ModelFile.RunStateKey}' metadata).");
        RunState state;
        try
        {
            state = JsonSerializer.Deserialize(json, TrainingJsonContext.Default.RunState) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: unreadable run state ({e.Message}).", inner: e);
        }
        if (state.FormatVersion != RunState.CurrentVersion)
        {
            throw new CheckpointException($"{path}: checkpoint format {state.FormatVersion}, this build reads {RunState.CurrentVersion}.");
        }
        // Null where the JSON had null or nothing: the record's types cannot say "required" to the serializer.
        if (state.Method is null || state.ScheduleKind is null || state.ScheduleState is null || state.Scalars is null || state.History is null || state.CompletedEpochs < 0)
        {
            throw new CheckpointException($"{path}: the '{ModelFile.RunStateKey}' metadata lacks a field or has a negative epoch count; resume with another run directory or start over with --no-resume.");
        }
        ModelStateCodec.Load(model, file, ModelFile.RunModelPrefix, strict: true, source: path);
        var names = model.NamedParameters().Select(p => p.Name).ToList();
        var velocities = optimizer.Velocities;
        for (int i = 0; i < velocities.Count; i++)
        {
            string key = OptimPrefix + names[i] + ".momentum_buffer";
            if (!file.TryGet(key, out var entry)) throw new CheckpointException($"{path}: missing optimizer state '{key}'.");
            velocities[i].Backend.Upload(entry.AsFloat32(), velocities[i].Buffer);
        }
        IReadOnlyList<SafeTensorEntry>? best = state.HasBest
            ? file.Entries.Where(e => e.Name.StartsWith(BestPrefix, StringComparison.Ordinal)).Select(e => ModelStateCodec.WithName(e, e.Name[BestPrefix.Length..])).ToList()
            : null;
        return (state, best);
    }

}
