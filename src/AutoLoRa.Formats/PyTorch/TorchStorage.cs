namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// One serialised storage: a flat run of bytes that one or more tensors view. Its bytes are
/// fetched on first use (a checkpoint's optimizer state need never be read) and cached, so
/// tensors sharing a storage share one copy.
/// </summary>
public sealed class TorchStorage
{
    private readonly Func<long, byte[]>? _load;
    private byte[]? _bytes;

    internal TorchStorage(string key, SafeTensorDType? dtype, long byteCount, Func<long, byte[]>? load,
        TorchStorage? root = null, long rootByteOffset = 0)
    {
        (Key, DType, ByteCount, _load) = (key, dtype, byteCount, load);
        (Root, RootByteOffset) = (root, rootByteOffset);
    }

    /// <summary>The record key (<c>data/&lt;key&gt;</c> in a zip file; a pointer-like number in legacy files).</summary>
    public string Key { get; }

    /// <summary>Element type of a typed storage; null for an untyped (byte) storage.</summary>
    public SafeTensorDType? DType { get; }

    /// <summary>Size in bytes, as the pickle declared it.</summary>
    public long ByteCount { get; }

    /// <summary>For a legacy storage slice: the storage it is a window of.</summary>
    internal TorchStorage? Root { get; }

    internal long RootByteOffset { get; }

    /// <summary>Set when the archive's <c>byteorder</c> record says big-endian.</summary>
    internal bool BigEndian { get; set; }

    /// <summary>Supplies the bytes of a legacy storage once the stream reaches them.</summary>
    internal void Provide(byte[] bytes) => _bytes = bytes;

    internal bool HasBytes => _bytes is not null || Root is not null;

    /// <summary>The storage's bytes, as a span of the (possibly larger) backing array.</summary>
    internal ReadOnlySpan<byte> Bytes(string? source)
    {
        if (Root is not null)
            return Root.Bytes(source).Slice(checked((int)RootByteOffset), checked((int)ByteCount));
        if (_bytes is null)
        {
            if (_load is null)
                throw new TorchFormatException(source, $"storage '{Key}' is referenced by a tensor but its data never appeared in the file");
            _bytes = _load(ByteCount);
        }
        return _bytes;
    }

    /// <inheritdoc />
    public override string ToString() => $"storage '{Key}' ({DType?.ToString() ?? "untyped"}, {ByteCount} bytes)";
}
