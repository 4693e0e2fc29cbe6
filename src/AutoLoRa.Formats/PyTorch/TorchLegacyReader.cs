using System.Numerics;

namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// Reads the pre-1.6 stream: a magic-number pickle, a protocol-version pickle, a sys-info pickle,
/// the object pickle, a pickle listing the storage keys, then each storage as an int64 element
/// count followed by its raw little-endian bytes, in that list's order.
/// </summary>
internal static class TorchLegacyReader
{
    /// <summary>The pickled magic number every legacy file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];

    private static readonly BigInteger Magic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);

    public static object? Read(Stream stream, string? source)
    {
        var input = new PickleInput(stream, source);
        object? Plain(PickleInput i) => new RestrictedUnpickler(i, pid => throw i.Error("a storage reference outside the object pickle")).Load();

        if (Plain(input) is not BigInteger magic || magic != Magic)
            throw new TorchFormatException(source, "legacy stream does not start with PyTorch's magic number");
        if (Plain(input) is not 1001L)
            throw new TorchFormatException(source, "legacy stream protocol version is not 1001");
        if (Plain(input) is PyDict sysInfo && sysInfo.TryGetValue("little_endian", out var little) && little is false)
            throw new TorchFormatException(source, "legacy stream was written on a big-endian machine; not supported");

        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        object Persistent(PyTuple pid)
        {
            if (pid.Count != 6) throw input.Error($"legacy persistent id has {pid.Count} items (expected 6)");
            var (key, dtype, byteCount) = StoragePid.Parse(pid, source);
            if (!storages.TryGetValue(key, out var root))
            {
                root = new TorchStorage(key, dtype, byteCount, load: null);
                storages[key] = root;
            }
            if (pid[5] is null) return root;
            // A storage slice (view_key, offset, size) in elements of the root storage.
            if (pid[5] is not PyTuple { Count: 3 } view || view[0] is not string viewKey || view[1] is not long offset || view[2] is not long size)
                throw input.Error($"legacy storage view {PyFormat.Repr(pid[5])} is not (key, offset, size)");
            if (storages.TryGetValue(viewKey, out var known)) return known;
            int element = dtype is { } d ? TorchDTypes.Size(d) : 1;
            if (offset < 0 || size < 0 || checked((offset + size) * element) > root.ByteCount)
                throw input.Error($"legacy storage view {view} lies outside {root}");
            var slice = new TorchStorage(viewKey, dtype, size * element, load: null, root, offset * element);
            storages[viewKey] = slice;
            return slice;
        }

        var result = new RestrictedUnpickler(input, Persistent).Load();
        if (Plain(input) is not List<object?> keys)
            throw new TorchFormatException(source, "legacy stream has no storage key list after the object pickle");
        foreach (var item in keys)
        {
            if (item is not string key || !storages.TryGetValue(key, out var storage) || storage.Root is not null)
                throw new TorchFormatException(source, $"legacy storage list names {PyFormat.Repr(item)}, which no tensor declared");
            long count = input.ReadInt64();
            int element = storage.DType is { } d ? TorchDTypes.Size(d) : 1;
            if (count < 0 || checked(count * element) != storage.ByteCount)
                throw new TorchFormatException(source, $"legacy {storage} is stored with {count} elements; its tensors declare {storage.ByteCount / element}");
            storage.Provide(input.ReadBytes(storage.ByteCount));
        }
        return result;
    }
}
