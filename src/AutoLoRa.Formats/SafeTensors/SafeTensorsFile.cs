using System.Diagnostics.CodeAnalysis;

namespace AutoLoRa.Formats;

/// <summary>
/// The contents of a safetensors file: tensors in a fixed order plus the free-form
/// <c>__metadata__</c> string map. Names are unique.
/// </summary>
public sealed class SafeTensorsFile
{
    private readonly SafeTensorEntry[] _entries;
    private readonly Dictionary<string, SafeTensorEntry> _byName;

    /// <summary>Groups entries and metadata; rejects duplicate names.</summary>
    /// <param name="entries">Tensors; the order is kept (the reader supplies them in file offset order).</param>
    /// <param name="metadata">The <c>__metadata__</c> map; null means none.</param>
    /// <exception cref="ArgumentException">Two entries share a name, or one is named <c>__metadata__</c>.</exception>
    public SafeTensorsFile(IEnumerable<SafeTensorEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = entries.ToArray();
        _byName = new Dictionary<string, SafeTensorEntry>(_entries.Length, StringComparer.Ordinal);
        foreach (var entry in _entries)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(entries));
            if (entry.Name == SafeTensors.MetadataKey)
                throw new ArgumentException($"'{SafeTensors.MetadataKey}' is reserved and cannot name a tensor", nameof(entries));
            if (!_byName.TryAdd(entry.Name, entry))
                throw new ArgumentException($"duplicate tensor name '{entry.Name}'", nameof(entries));
        }
        Metadata = metadata is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(metadata, StringComparer.Ordinal);
    }

    /// <summary>Tensors in order.</summary>
    public IReadOnlyList<SafeTensorEntry> Entries => _entries;

    /// <summary>The <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor with this name.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor; the message lists how many there are.</exception>
    public SafeTensorEntry this[string name] =>
        _byName.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"no tensor named '{name}' among {_entries.Length} tensors");

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGet(string name, [MaybeNullWhen(false)] out SafeTensorEntry entry) =>
        _byName.TryGetValue(name, out entry);
}
