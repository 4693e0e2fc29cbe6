using AutoLoRa.Core;
using AutoLoRa.Formats;
using AutoLoRa.Nn.Layers;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Training.Checkpoints;

/// <summary>
/// A model's state dict as safetensors entries and back, with torchvision's names and dtypes:
/// parameters and running statistics as F32, <c>num_batches_tracked</c> as I64. A prefix lets one
/// file hold several copies (a checkpoint's current and best weights).
/// </summary>
public static class ModelStateCodec
{
    public const string NumBatchesTracked = "num_batches_tracked";

    /// <summary>Every parameter, buffer and batch counter of the model, names prefixed.</summary>
    public static IEnumerable<SafeTensorEntry> ToEntries(Classifier model, string prefix = "")
    {
        foreach (var (name, tensor) in model.NamedParameters().Concat(model.NamedBuffers()))
        {
            yield return SafeTensorEntry.FromFloat32(prefix + name, Dims(tensor.Shape), tensor.ToArray());
        }
        foreach (var (path, bn) in BatchNorms(model))
        {
            yield return SafeTensorEntry.FromInt64(prefix + Join(path, NumBatchesTracked), [], [bn.NumBatchesTracked]);
        }
    }

    /// <summary>
    /// Copies the prefixed entries of <paramref name="file"/> into the model. Every tensor of the
    /// model must be present with its exact shape; with <paramref name="strict"/>, no prefixed entry
    /// may be left over. Errors list the offending names.
    /// </summary>
    public static void Load(Classifier model, SafeTensorsFile file, string prefix = "", bool strict = true, string source = "checkpoint")
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var (name, tensor) in model.NamedParameters().Concat(model.NamedBuffers()))
        {
            if (!file.TryGet(prefix + name, out var entry))
            {
                missing.Add(name);
                continue;
            }
            var expected = Dims(tensor.Shape);
            if (!entry.Shape.SequenceEqual(expected))
            {
                throw new CheckpointException($"{source}: tensor '{prefix + name}' has shape [{string.Join(", ", entry.Shape)}] but the model expects [{string.Join(", ", expected)}].");
            }
            tensor.Backend.Upload(entry.AsFloat32(), tensor.Buffer);
            used.Add(prefix + name);
        }
        foreach (var (path, bn) in BatchNorms(model))
        {
            // Optional: checkpoints of other tools may lack the counter; it does not change the maths.
            if (file.TryGet(prefix + Join(path, NumBatchesTracked), out var entry))
            {
                bn.NumBatchesTracked = entry.AsInt64()[0];
                used.Add(entry.Name);
            }
        }
        if (missing.Count > 0) throw new CheckpointException($"{source}: missing {missing.Count} tensor(s) the model needs: {Summarize(missing)}.");
        if (strict)
        {
            var unused = file.Entries.Select(e => e.Name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && !used.Contains(n)).ToList();
            if (unused.Count > 0) throw new CheckpointException($"{source}: {unused.Count} tensor(s) do not belong to this model: {Summarize(unused)}.");
        }
    }

    private static IEnumerable<(string Path, BatchNorm2d Bn)> BatchNorms(Classifier model) =>
        model.NamedModules().Where(m => m.Module is BatchNorm2d).Select(m => (m.Name, (BatchNorm2d)m.Module));

    private static long[] Dims(Shape shape) => shape.ToArray().Select(d => (long)d).ToArray();

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static string Summarize(List<string> names) =>
        string.Join(", ", names.Take(8)) + (names.Count > 8 ? $" and {names.Count - 8} more" : "");
}
