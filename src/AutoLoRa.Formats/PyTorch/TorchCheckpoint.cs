namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// A <c>torch.save</c> file read without Python: the pickled object tree (dicts, lists, tensors)
/// rebuilt by a restricted unpickler that accepts only what PyTorch's weights-only loader
/// accepts. Storages are read when a tensor is first materialised, so keep the checkpoint open
/// (undisposed) until done with its tensors.
/// </summary>
public sealed class TorchCheckpoint : IDisposable
{
    private readonly Stream _stream;

    private TorchCheckpoint(Stream stream, string? source, TorchCheckpointFormat format, object? root)
    {
        _stream = stream;
        Source = source;
        Format = format;
        Root = root;
    }

    /// <summary>The file path or caller-supplied name, for messages.</summary>
    public string? Source { get; }

    /// <summary>Zip or legacy layout.</summary>
    public TorchCheckpointFormat Format { get; }

    /// <summary>
    /// The saved object: a <see cref="PyDict"/> for a state dict or a training checkpoint, or any
    /// other plain value (<see cref="PyTuple"/>, <see cref="List{T}"/>, <see cref="TorchTensor"/>, …).
    /// </summary>
    public object? Root { get; }

    /// <summary>Opens and parses a checkpoint file, sniffing its layout from its first bytes.</summary>
    /// <exception cref="TorchFormatException">Not a readable weights-only checkpoint; the message says why.</exception>
    public static TorchCheckpoint Load(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return Load(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Parses a checkpoint from a seekable stream, which the result owns and disposes.</summary>
    /// <exception cref="TorchFormatException">Not a readable weights-only checkpoint.</exception>
    public static TorchCheckpoint Load(Stream stream, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek) throw new ArgumentException("checkpoint stream must be seekable", nameof(stream));
        Span<byte> head = stackalloc byte[16];
        int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..got];
        stream.Position = 0;
        try
        {
            if (head.StartsWith("PK\x03\x04"u8))
                return new(stream, sourceName, TorchCheckpointFormat.Zip, TorchZipReader.Read(stream, sourceName));
            if (head.StartsWith(TorchLegacyReader.Signature))
                return new(stream, sourceName, TorchCheckpointFormat.Legacy, TorchLegacyReader.Read(stream, sourceName));
        }
        catch (OverflowException e)
        {
            // The readers compute sizes and offsets from the file with checked arithmetic.
            throw new TorchFormatException(sourceName, "a size or offset in the file overflows 64 bits, so the file is damaged", e);
        }
        if (IsTar(stream))
            throw new TorchFormatException(sourceName, "this is a tar-based checkpoint from PyTorch < 0.4; re-save it with a current PyTorch");
        if (got >= 9 && head[8] == (byte)'{')
            throw new TorchFormatException(sourceName, "this looks like a safetensors file; read it with SafeTensors.Read");
        throw new TorchFormatException(sourceName, $"not a torch.save file: it starts with {Convert.ToHexString(head)} (expected a zip 'PK' header or the legacy magic-number pickle)");
    }

    /// <summary>
    /// Every tensor under <paramref name="node"/> (the root when null) with a dotted path: dict
    /// keys and list indices joined by '.', e.g. <c>model.module.model.conv1.weight</c>.
    /// Order follows the file. Non-tensor leaves are skipped.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, TorchTensor>> Tensors(object? node = null)
    {
        var result = new List<KeyValuePair<string, TorchTensor>>();
        Collect(node ?? Root, "", result, depth: 0);
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private static void Collect(object? node, string path, List<KeyValuePair<string, TorchTensor>> into, int depth)
    {
        // Checkpoints nest a few levels; the cap stops a self-referencing memo trick from looping.
        if (depth > 64) return;
        switch (node)
        {
            case TorchTensor t:
                into.Add(new(path, t));
                break;
            case PyDict dict:
                foreach (var (key, value) in dict.Items) Collect(value, Join(path, Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture) ?? ""), into, depth + 1);
                break;
            case List<object?> list:
                for (int i = 0; i < list.Count; i++) Collect(list[i], Join(path, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), into, depth + 1);
                break;
            case PyTuple tuple:
                for (int i = 0; i < tuple.Count; i++) Collect(tuple[i], Join(path, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), into, depth + 1);
                break;
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private static bool IsTar(Stream stream)
    {
        if (stream.Length < 262) return false;
        Span<byte> magic = stackalloc byte[5];
        stream.Position = 257;
        stream.ReadExactly(magic);
        stream.Position = 0;
        return magic.SequenceEqual("ustar"u8);
    }
}
