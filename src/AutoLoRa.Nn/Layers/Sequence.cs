namespace AutoLoRa.Nn.Layers;

/// <summary>
/// Children named "0", "1", … as PyTorch's nn.Sequential names them (<c>layer1.0</c>,
/// <c>downsample.1</c>), so state-dict keys match torchvision's.
/// </summary>
public sealed class Sequence<T> : Module where T : Module
{
    private readonly List<T> _items = [];

    /// <summary>The items in order; a span, so a forward pass walks them without an enumerator allocation.</summary>
    public ReadOnlySpan<T> Items => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_items);

    /// <summary>Appends <paramref name="item"/> under the next index as its name; returns it.</summary>
    public T Add(T item)
    {
        RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), item);
        _items.Add(item);
        return item;
    }
}
