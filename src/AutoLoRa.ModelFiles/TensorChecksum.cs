using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using AutoLoRa.Formats;

namespace AutoLoRa.ModelFiles;

/// <summary>
/// A SHA-256 of a file's tensors, kept in its metadata under <see cref="MetadataKey"/>: model files
/// and run checkpoints we write carry one, and reading them checks it, so a bit flipped on disk is
/// reported instead of resumed or evaluated. Covers each tensor's name, dtype, shape and bytes in
/// name order, so it does not depend on how a writer lays the file out. Files without the key
/// (older ones, other writers') load as before.
/// </summary>
public static class TensorChecksum
{
    /// <summary>The metadata key of the checksum.</summary>
    public const string MetadataKey = "autolora.sha256";

    /// <summary><paramref name="metadata"/> with the checksum of <paramref name="entries"/> added.</summary>
    public static Dictionary<string, string> Stamp(IReadOnlyCollection<SafeTensorEntry> entries, IReadOnlyDictionary<string, string> metadata) =>
        new(metadata) { [MetadataKey] = Of(entries) };

    /// <summary>Checks the checksum a file carries, if any.</summary>
    /// <exception cref="CheckpointException">The tensors differ from what was written.</exception>
    public static void Verify(SafeTensorsFile file, string path)
    {
        if (!file.Metadata.TryGetValue(MetadataKey, out var stored)) return;
        string actual = Of(file.Entries);
        if (!string.Equals(actual, stored, StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointException(
                $"{path}: the tensor data does not match the file's '{MetadataKey}' checksum, so the file was damaged after it was written; restore it from a copy or write it again.");
        }
    }

    private static string Of(IEnumerable<SafeTensorEntry> entries)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        foreach (var e in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            // Lengths first, so no two different (name, shape) lists hash the same bytes.
            BinaryPrimitives.WriteInt64LittleEndian(number, Encoding.UTF8.GetByteCount(e.Name));
            hash.AppendData(number);
            hash.AppendData(Encoding.UTF8.GetBytes(e.Name));
            hash.AppendData(Encoding.ASCII.GetBytes(e.DType.HeaderName()));
            BinaryPrimitives.WriteInt64LittleEndian(number, e.Shape.Count);
            hash.AppendData(number);
            foreach (long d in e.Shape)
            {
                BinaryPrimitives.WriteInt64LittleEndian(number, d);
                hash.AppendData(number);
            }
            hash.AppendData(e.Data.Span);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
