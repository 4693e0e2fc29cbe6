namespace AutoLoRa.Data;

/// <summary>Class names of the supported datasets; index = label.</summary>
public static class ClassNames
{
    /// <summary>Fashion-MNIST, labels 0–9.</summary>
    public static readonly IReadOnlyList<string> FashionMnist =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>MNIST: the digits.</summary>
    public static readonly IReadOnlyList<string> Mnist = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>CIFAR-10, as in <c>batches.meta.txt</c>.</summary>
    public static readonly IReadOnlyList<string> Cifar10 =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>STL-10, as in <c>class_names.txt</c>, after shifting its 1-based labels to 0-based.</summary>
    public static readonly IReadOnlyList<string> Stl10 =
        ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"];

    /// <summary>Placeholder names <c>class 0</c> … for sets whose name file is absent.</summary>
    public static IReadOnlyList<string> Numbered(int count) => [.. Enumerable.Range(0, count).Select(i => $"class {i}")];

    /// <summary>
    /// Names from a one-per-line file (CIFAR-100's <c>fine_label_names.txt</c>) when it exists
    /// and has exactly <paramref name="count"/> non-empty lines; otherwise numbered names,
    /// because names only label reports and must not stop a run.
    /// </summary>
    public static IReadOnlyList<string> FromFileOrNumbered(string path, int count)
    {
        if (!File.Exists(path)) return Numbered(count);
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        return lines.Length == count ? lines : Numbered(count);
    }
}
