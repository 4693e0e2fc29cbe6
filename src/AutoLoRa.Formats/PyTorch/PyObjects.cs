namespace AutoLoRa.Formats.PyTorch;

// The restricted unpickler builds only these values, plus null (None), bool, long,
// System.Numerics.BigInteger (integers wider than 64 bits), double, string, byte[] and
// List<object?> (a Python list). Nothing else can come out of a checkpoint.

/// <summary>A Python tuple: an immutable sequence, compared by value so it can key a dict.</summary>
public sealed class PyTuple : IEquatable<PyTuple>
{
    /// <summary>Creates a tuple over <paramref name="items"/> (not copied).</summary>
    public PyTuple(object?[] items) => Items = items;

    /// <summary>The empty tuple.</summary>
    public static PyTuple Empty { get; } = new([]);

    /// <summary>The elements.</summary>
    public object?[] Items { get; }

    /// <summary>Number of elements.</summary>
    public int Count => Items.Length;

    /// <summary>Element <paramref name="index"/>.</summary>
    public object? this[int index] => Items[index];

    /// <inheritdoc />
    public bool Equals(PyTuple? other) =>
        other is not null && Items.Length == other.Items.Length
        && Items.Zip(other.Items).All(p => Equals(p.First, p.Second));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PyTuple t && Equals(t);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Items) hash.Add(item);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => "(" + string.Join(", ", Items.Select(PyFormat.Repr)) + (Items.Length == 1 ? ",)" : ")");
}

/// <summary>
/// A Python dict or collections.OrderedDict: insertion-ordered, later assignments to an existing
/// key replace the value in place (as in Python).
/// </summary>
public sealed class PyDict
{
    private readonly List<KeyValuePair<object, object?>> _items = [];
    private readonly Dictionary<object, int> _index = [];

    /// <summary>True for collections.OrderedDict (a module state dict), false for a plain dict.</summary>
    public bool IsOrdered { get; init; }

    /// <summary>The state a BUILD opcode attached (OrderedDict's <c>_metadata</c> attribute); informational.</summary>
    public object? State { get; internal set; }

    /// <summary>Entries in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<object, object?>> Items => _items;

    /// <summary>Number of entries.</summary>
    public int Count => _items.Count;

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>, keeping the first insertion position.</summary>
    public void Set(object key, object? value)
    {
        if (_index.TryGetValue(key, out int at))
            _items[at] = new(key, value);
        else
        {
            _index[key] = _items.Count;
            _items.Add(new(key, value));
        }
    }

    /// <summary>Looks up a key.</summary>
    public bool TryGetValue(object key, out object? value)
    {
        if (_index.TryGetValue(key, out int at))
        {
            value = _items[at].Value;
            return true;
        }
        value = null;
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => $"{(IsOrdered ? "OrderedDict" : "dict")} with {Count} entries";
}

/// <summary>A Python set or frozenset (kept as a list in stream order).</summary>
public sealed class PySet
{
    /// <summary>The members.</summary>
    public List<object?> Items { get; } = [];

    /// <summary>True for frozenset.</summary>
    public bool IsFrozen { get; init; }
}

/// <summary>An allowlisted global (module + name, after Python 2 → 3 renaming) that the stream referred to.</summary>
/// <param name="Module">Module, e.g. <c>torch._utils</c>.</param>
/// <param name="Name">Attribute, e.g. <c>_rebuild_tensor_v2</c>.</param>
public sealed record PyGlobal(string Module, string Name)
{
    /// <summary>The dotted name, e.g. <c>collections.OrderedDict</c>.</summary>
    public string FullName => $"{Module}.{Name}";

    /// <inheritdoc />
    public override string ToString() => FullName;
}

/// <summary>Short, bounded descriptions of unpickled values for error messages.</summary>
internal static class PyFormat
{
    public static string Repr(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        string s => s.Length <= 40 ? $"'{s}'" : $"'{s[..40]}…'",
        byte[] bytes => $"bytes[{bytes.Length}]",
        List<object?> list => $"list[{list.Count}]",
        PyTuple tuple => tuple.Count <= 6 ? tuple.ToString() : $"tuple[{tuple.Count}]",
        TorchTensor t => t.ToString(),
        _ => value.ToString() ?? value.GetType().Name,
    };

    public static string TypeName(object? value) => value switch
    {
        null => "None",
        bool => "bool",
        long or System.Numerics.BigInteger => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        List<object?> => "list",
        PyTuple => "tuple",
        PyDict d => d.IsOrdered ? "OrderedDict" : "dict",
        PySet => "set",
        PyGlobal g => g.FullName,
        TorchTensor => "Tensor",
        TorchStorage => "Storage",
        _ => value.GetType().Name,
    };
}
