namespace AutoLoRa.Nn.Layers;

/// <summary>
/// Children named "0", "1", … as PyTorch's nn.Sequential names them (<c>layer1.0</c>,
/// <c>downsample.1</c>), so state-dict keys match torchvision's.
/// </summary>
public sealed class Sequence<T> : Module where T : Module
{
    private readonly List<T> _items = [];

    public IReadOnlyList<T> Items => _items;

    public T Add(T item)
    {
        RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), item);
        _items.Add(item);
        return item;
    }
}
