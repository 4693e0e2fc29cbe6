using System.IO.Compression;
using System.Text;

namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// Reads the zip layout: every record lives under one top folder (named after the file stem
/// when saved, so taken from the first entry rather than assumed), the object pickle is
/// <c>data.pkl</c>, and storage <c>k</c> is the raw record <c>data/k</c>.
/// </summary>
internal static class TorchZipReader
{
    public static object? Read(Stream stream, string? source)
    {
        long archive = stream.CanSeek ? stream.Length : long.MaxValue;
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            // The directory is read on first use, so its damage shows here, not in the constructor.
            _ = zip.Entries.Count;
        }
        catch (InvalidDataException e)
        {
            throw new TorchFormatException(source, $"starts like a zip file but its directory is unreadable ({e.Message})", e);
        }
        if (zip.Entries.Count == 0) throw new TorchFormatException(source, "zip archive has no entries");
        string first = zip.Entries[0].FullName;
        int slash = first.IndexOf('/');
        if (slash <= 0) throw new TorchFormatException(source, $"zip entry '{DisplayText.Clip(first)}' is not inside a top-level folder, so this is not a torch.save archive");
        string prefix = first[..(slash + 1)];
        if (zip.GetEntry(prefix + "constants.pkl") is not null || zip.Entries.Any(e => e.FullName.StartsWith(prefix + "code/", StringComparison.Ordinal)))
            throw new TorchFormatException(source, "this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save the model's state_dict() instead");
        var pickle = zip.GetEntry(prefix + "data.pkl") ?? throw new TorchFormatException(source, $"zip archive has no '{prefix}data.pkl' record");
        bool bigEndian = ReadText(zip, prefix + "byteorder", archive, source) switch
        {
            null or "little" => false,
            "big" => true,
            var other => throw new TorchFormatException(source, $"byteorder record says '{other}' (expected little or big)"),
        };

        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        object Persistent(PyTuple pid)
        {
            var (key, dtype, byteCount) = StoragePid.Parse(pid, source);
            if (storages.TryGetValue(key, out var known)) return known;
            var entry = zip.GetEntry($"{prefix}data/{key}")
                ?? throw new TorchFormatException(source, $"storage record '{prefix}data/{key}' is missing from the archive");
            var storage = new TorchStorage(key, dtype, byteCount, expected => ReadRecord(entry, expected, archive, source)) { BigEndian = bigEndian };
            storages[key] = storage;
            return storage;
        }

        using var pickleBytes = new MemoryStream(ReadAll(pickle, archive, source));
        var unpickler = new RestrictedUnpickler(new PickleInput(pickleBytes, source + " (data.pkl)"), Persistent);
        return unpickler.Load();
    }

    private static byte[] ReadRecord(ZipArchiveEntry entry, long expected, long archive, string? source)
    {
        if (entry.Length != expected)
            throw new TorchFormatException(source, $"record '{entry.FullName}' holds {entry.Length} bytes but its tensors declare {expected}");
        return ReadAll(entry, archive, source);
    }

    /// <summary>
    /// A record's bytes, checked against its CRC-32 (the zip reader does not check it, so a flipped
    /// bit would load silently). Memory follows what the record really holds: a stored record must
    /// fit in the archive, and a compressed one is read in pieces instead of trusting its declared size.
    /// </summary>
    private static byte[] ReadAll(ZipArchiveEntry entry, long archive, string? source)
    {
        if (entry.Length > Array.MaxLength) throw new TorchFormatException(source, $"record '{DisplayText.Clip(entry.FullName)}' is {entry.Length} bytes, too large to read");
        if (entry.CompressedLength > archive)
            throw new TorchFormatException(source, $"record '{DisplayText.Clip(entry.FullName)}' claims {entry.CompressedLength} bytes but the file has {archive}");
        byte[] bytes;
        try
        {
            using var content = entry.Open();
            using var copy = new MemoryStream(entry.CompressedLength == entry.Length ? (int)entry.Length : 0);
            var piece = new byte[1 << 16];
            int got;
            // Never more than the directory declares: a compressed record may inflate without end.
            while ((got = content.Read(piece, 0, (int)Math.Min(piece.Length, entry.Length + 1 - copy.Length))) > 0)
            {
                copy.Write(piece, 0, got);
                if (copy.Length > entry.Length) break;
            }
            bytes = copy.Length == copy.Capacity ? copy.GetBuffer() : copy.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new TorchFormatException(source, $"record '{DisplayText.Clip(entry.FullName)}' is damaged or truncated ({e.Message})", e);
        }
        if (bytes.Length != entry.Length)
            throw new TorchFormatException(source, $"record '{DisplayText.Clip(entry.FullName)}' holds {(bytes.Length > entry.Length ? "more than" : bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes, but the archive's directory says {entry.Length}; the file is damaged");
        uint crc = Crc32.Of(bytes);
        if (crc != entry.Crc32)
            throw new TorchFormatException(source, $"record '{DisplayText.Clip(entry.FullName)}' has CRC-32 {crc:x8}, but the archive's directory says {entry.Crc32:x8}; the file is damaged (re-download or re-save it)");
        return bytes;
    }

    private static string? ReadText(ZipArchive zip, string name, long archive, string? source)
    {
        var entry = zip.GetEntry(name);
        return entry is null || entry.Length > 64 ? null : Encoding.ASCII.GetString(ReadAll(entry, archive, source)).Trim();
    }
}

/// <summary>The <c>('storage', type, key, location, numel[, view])</c> persistent id both layouts use.</summary>
internal static class StoragePid
{
    public static (string Key, SafeTensorDType? DType, long ByteCount) Parse(PyTuple pid, string? source)
    {
        if (pid[1] is not PyGlobal { Module: "torch" } type || !TorchDTypes.IsStorageType(type.Name))
            throw new TorchFormatException(source, $"persistent id names storage type {PyFormat.Repr(pid[1])}, not a torch storage class");
        if (pid[2] is not string key || key.Length == 0 || key.Length > 64 || key.Contains('/') || key.Contains(".."))
            throw new TorchFormatException(source, $"persistent id has a bad storage key {PyFormat.Repr(pid[2])}");
        if (pid[4] is not long numel || numel < 0)
            throw new TorchFormatException(source, $"storage '{key}' has a bad element count {PyFormat.Repr(pid[4])}");
        var dtype = TorchDTypes.OfStorage(type.Name);
        // numel counts elements of a typed storage, bytes of an untyped one.
        int size = dtype is { } d ? TorchDTypes.Size(d) : 1;
        if (numel > Array.MaxLength / size)
            throw new TorchFormatException(source, $"storage '{key}' claims {numel} elements, more than one array can hold");
        long bytes = numel * size;
        return (key, dtype, bytes);
    }
}
