using AutoLoRa.Formats;
using AutoLoRa.Formats.PyTorch;
using AutoLoRa.Nn.Models;
using AutoLoRa.Nn;

namespace AutoLoRa.ModelFiles;

/// <summary>
/// A model's state dict (<see cref="StateDicts"/>: torchvision names and dtypes) under a name
/// prefix, so one checkpoint file can hold several copies (current and best weights).
/// </summary>
public static class ModelStateCodec
{
    /// <summary>Every parameter, buffer and batch counter of the model, names prefixed.</summary>
    public static IEnumerable<SafeTensorEntry> ToEntries(Classifier model, string prefix = "") =>
        StateDicts.Export(model).Select(e => WithName(e, prefix + e.Name));

    /// <summary>
    /// Copies the entries of <paramref name="file"/> that carry <paramref name="prefix"/> into the
    /// model. Every tensor of the model must be present with its exact shape; with
    /// <paramref name="strict"/> no prefixed entry may be left over. Nothing is written unless all fit.
    /// </summary>
    public static void Load(Classifier model, SafeTensorsFile file, string prefix = "", bool strict = true, string source = "checkpoint")
    {
        var entries = file.Entries
            .Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Name[prefix.Length..], StringComparer.Ordinal);
        try
        {
            StateDicts.Load(model, entries, strict);
        }
        catch (Exception e) when (e is StateDictKeyException or InvalidDataException)
        {
            throw new CheckpointException($"{source}: {e.Message}", inner: e);
        }
    }

    /// <summary>A new model with the same description and state (weights, statistics, batch counters) on the same backend.</summary>
    public static Classifier Clone(Classifier model)
    {
        var copy = ModelFactory.Create(model.Head.Weight.Backend, model.Spec, seed: 0);
        try
        {
            StateDicts.Load(copy, StateDicts.Export(model).ToDictionary(e => e.Name, StringComparer.Ordinal));
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>The same tensor under another name (the data is shared, not copied).</summary>
    public static SafeTensorEntry WithName(SafeTensorEntry e, string name) =>
        name == e.Name ? e : new SafeTensorEntry(name, e.DType, e.Shape.ToArray(), e.Data);
}
