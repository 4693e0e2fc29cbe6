using System.Globalization;
using System.Text;

namespace AutoLoRa.Formats;

/// <summary>
/// Lays tensors out and renders the header the way the reference writer does, so our files are
/// byte-identical to <c>safetensors.torch.save_file</c> for the same tensors and metadata:
/// tensors sorted by dtype (widest alignment first) then by name, offsets back to back,
/// compact JSON with <c>__metadata__</c> first, spaces appended until the header length is a
/// multiple of 8 (which puts the data buffer, and hence every tensor, on its natural alignment).
/// </summary>
internal static class HeaderWriter
{
    // Strict: a name with a lone surrogate cannot be written as UTF-8, and must not be mangled.
    private static readonly UTF8Encoding Utf8Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Returns the padded header bytes and the entries in data-buffer order.</summary>
    public static (byte[] Header, SafeTensorEntry[] Ordered) Build(SafeTensorsFile file)
    {
        // The reference compares Rust strings, i.e. UTF-8 bytes; UTF-16 ordinal order differs for
        // characters above U+FFFF, so compare the encoded names.
        var named = file.Entries.Select(e => (Entry: e, Key: Encode(e.Name, "tensor name"))).ToArray();
        Array.Sort(named, static (a, b) =>
        {
            int c = b.Entry.DType.CompareTo(a.Entry.DType);
            return c != 0 ? c : a.Key.AsSpan().SequenceCompareTo(b.Key);
        });

        var json = new StringBuilder(64 + 96 * named.Length);
        json.Append('{');
        bool first = true;
        if (file.Metadata.Count > 0)
        {
            // The reference emits metadata from a hash map (no stable order); sort for reproducible files.
            AppendString(json, SafeTensors.MetadataKey);
            json.Append(":{");
            bool firstPair = true;
            foreach (var (key, value) in file.Metadata.OrderBy(p => Encode(p.Key, "metadata key"), ByteOrder.Instance))
            {
                if (!firstPair) json.Append(',');
                firstPair = false;
                AppendString(json, key);
                json.Append(':');
                AppendString(json, value ?? throw new ArgumentException($"metadata value for '{key}' is null"));
            }
            json.Append('}');
            first = false;
        }

        long offset = 0;
        foreach (var (entry, _) in named)
        {
            if (!first) json.Append(',');
            first = false;
            AppendString(json, entry.Name);
            json.Append(":{\"dtype\":");
            AppendString(json, entry.DType.HeaderName());
            json.Append(",\"shape\":[");
            for (int i = 0; i < entry.Shape.Count; i++)
            {
                if (i > 0) json.Append(',');
                json.Append(entry.Shape[i].ToString(CultureInfo.InvariantCulture));
            }
            long end = offset + entry.Data.Length;
            json.Append("],\"data_offsets\":[").Append(offset.ToString(CultureInfo.InvariantCulture))
                .Append(',').Append(end.ToString(CultureInfo.InvariantCulture)).Append("]}");
            offset = end;
        }
        json.Append('}');

        var text = json.ToString();
        int length = Utf8Strict.GetByteCount(text);
        int padded = checked((length + 7) / 8 * 8);
        var header = new byte[padded];
        Utf8Strict.GetBytes(text, header);
        header.AsSpan(length).Fill((byte)' ');
        return (header, named.Select(n => n.Entry).ToArray());
    }

    /// <summary>JSON string with serde_json's escaping: quote, backslash and control characters
    /// only (short forms where JSON has them, else lowercase \u00xx); everything else raw UTF-8.</summary>
    private static void AppendString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case < ' ': json.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: json.Append(c); break;
            }
        }
        json.Append('"');
    }

    private static byte[] Encode(string text, string what)
    {
        try
        {
            return Utf8Strict.GetBytes(text);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException($"{what} '{text}' is not valid Unicode (lone surrogate); it cannot be stored as UTF-8", ex);
        }
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
