using AutoLoRa.Core;
using AutoLoRa.Formats;
using AutoLoRa.Formats.PyTorch;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn;

/// <summary>
/// A model's state dict as PyTorch names and types it: per module, its parameters, then its
/// buffers, then (for batch-norm) the int64 <c>num_batches_tracked</c> counter. Used to load
/// imported checkpoints into a model and to export a model as a torchvision-compatible
/// safetensors state dict.
/// </summary>
public static class StateDicts
{
    private const string BatchCounter = "num_batches_tracked";

    /// <summary>Every state-dict name of <paramref name="model"/>, in PyTorch's order.</summary>
    public static IReadOnlyList<string> ExpectedKeys(Module model) => Slots(model).Select(s => s.Name).ToList();

    /// <summary>The model's state as safetensors entries (float32 tensors, int64 batch counters).</summary>
    public static IReadOnlyList<SafeTensorEntry> Export(Module model) => Slots(model).Select(slot => slot.Tensor is { } t
        ? SafeTensorEntry.FromFloat32(slot.Name, t.Shape.ToArray().Select(d => (long)d).ToArray(), t.ToArray())
        : SafeTensorEntry.FromInt64(slot.Name, [], [slot.Norm!.NumBatchesTracked])).ToList();

    /// <summary>
    /// Copies <paramref name="stateDict"/> into <paramref name="model"/>. Everything is checked
    /// before anything is written, so a failed load leaves the model unchanged.
    /// </summary>
    /// <param name="model">The model to fill.</param>
    /// <param name="stateDict">Tensors by state-dict name (float types widen to float32; counters may be any integer type).</param>
    /// <param name="strict">Fail when the dict has names the model lacks, or lacks names the model has.</param>
    /// <param name="mayBeMissing">Names allowed to be absent even when strict (e.g. a classifier the caller initialises).</param>
    /// <returns>What was loaded, left over and missing.</returns>
    /// <exception cref="StateDictKeyException">Strict and the names do not match.</exception>
    /// <exception cref="InvalidDataException">A tensor's shape or dtype does not fit; the message names every such key with both shapes.</exception>
    public static KeyMappingReport Load(Module model, IReadOnlyDictionary<string, SafeTensorEntry> stateDict,
        bool strict = true, Func<string, bool>? mayBeMissing = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stateDict);
        var slots = Slots(model);
        var known = slots.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var unexpected = stateDict.Keys.Where(k => !known.Contains(k)).ToList();
        var absent = slots.Where(s => !stateDict.ContainsKey(s.Name)).Select(s => s.Name).ToList();
        var missing = absent.Where(k => mayBeMissing?.Invoke(k) != true).ToList();
        var report = new KeyMappingReport("model", slots.Where(s => stateDict.ContainsKey(s.Name)).Select(s => new KeyValuePair<string, string>(s.Name, s.Name)).ToList(),
            [], unexpected, missing, absent.Except(missing).ToList());
        if (strict && !report.IsExact) throw new StateDictKeyException(null, report);

        var problems = new List<string>();
        var writes = new List<Action>();
        foreach (var slot in slots)
        {
            if (!stateDict.TryGetValue(slot.Name, out var entry)) continue;
            if (slot.Tensor is { } tensor)
            {
                long[] want = tensor.Shape.ToArray().Select(d => (long)d).ToArray();
                if (!entry.Shape.SequenceEqual(want))
                {
                    problems.Add($"'{slot.Name}': checkpoint has shape {Format(entry.Shape)}, model expects {Format(want)}");
                    continue;
                }
                float[] values;
                try
                {
                    values = entry.AsFloat32();
                }
                catch (InvalidOperationException e)
                {
                    problems.Add($"'{slot.Name}': {e.Message}");
                    continue;
                }
                writes.Add(() => tensor.Backend.Upload(values, tensor.Buffer));
            }
            else
            {
                if (entry.ElementCount != 1 || entry.DType is not (SafeTensorDType.I64 or SafeTensorDType.I32))
                {
                    problems.Add($"'{slot.Name}': checkpoint has {entry.DType} shape {Format(entry.Shape)}, model expects one int64");
                    continue;
                }
                long count = entry.AsInt64()[0];
                var norm = slot.Norm!;
                writes.Add(() => norm.NumBatchesTracked = count);
            }
        }
        if (problems.Count > 0)
        {
            // The first few say what is wrong; a whole model's worth would bury it.
            const int shown = 8;
            string more = problems.Count > shown ? $"\n  … and {problems.Count - shown} more" : "";
            throw new InvalidDataException($"state dict does not fit the model ({problems.Count} tensors):\n  " + string.Join("\n  ", problems.Take(shown)) + more);
        }
        foreach (var write in writes) write();
        return report;
    }

    private sealed record Slot(string Name, Tensor? Tensor, BatchNorm2d? Norm);

    // One entry per state-dict name: a tensor, or the batch counter of a batch-norm.
    private static List<Slot> Slots(Module model)
    {
        var slots = new List<Slot>();
        foreach (var (path, module) in model.NamedModules())
        {
            string prefix = path.Length == 0 ? "" : path + ".";
            foreach (var (name, t) in module.OwnParameters) slots.Add(new(prefix + name, t, null));
            foreach (var (name, t) in module.OwnBuffers) slots.Add(new(prefix + name, t, null));
            if (module is BatchNorm2d bn) slots.Add(new(prefix + BatchCounter, null, bn));
        }
        return slots;
    }

    private static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
