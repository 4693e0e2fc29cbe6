using System.Text;
using System.Text.Json;

namespace AutoLoRa.Formats;

/// <summary>
/// Turns header JSON into raw tensor records and metadata, checking types only (offsets and
/// sizes are <see cref="HeaderReader"/>'s job). A forward-only <see cref="Utf8JsonReader"/> is
/// used instead of a DOM so every error can point at the exact file byte and so duplicate keys,
/// which a DOM would keep silently, are caught where they occur.
/// </summary>
internal static class HeaderJson
{
    /// <summary>One header entry as written, before layout validation. Unsigned like the
    /// format's own integers, so hostile values are judged by the same rules as the reference.</summary>
    internal sealed record TensorInfo(string Name, SafeTensorDType DType, ulong[] Shape, ulong Begin, ulong End);

    private static readonly string AllDTypes = string.Join(", ", Enum.GetNames<SafeTensorDType>());

    public static (List<TensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        ReadOnlySpan<byte> header, string? source)
    {
        var reader = new Utf8JsonReader(header, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            MaxDepth = 64,
        });
        var tensors = new List<TensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        // Checked up front because the reader reports empty input only as a generic JSON error.
        if (header.Trim(" \t\r\n"u8).IsEmpty)
            throw Bad(source, null, 0, "the header holds no JSON, only whitespace; expected a JSON object");
        try
        {
            reader.Read();
            Require(ref reader, JsonTokenType.StartObject, source, null, "the header", "a JSON object");
            while (NextProperty(ref reader, out string key, out long keyAt))
            {
                if (!keys.Add(key))
                    throw Bad(source, key == SafeTensors.MetadataKey ? null : key, keyAt,
                        $"duplicate key '{DisplayText.Clip(key)}'; expected every key once");
                reader.Read();
                if (key == SafeTensors.MetadataKey)
                    ReadMetadata(ref reader, metadata, source);
                else
                    tensors.Add(ReadTensor(ref reader, key, source));
            }
            // The reader itself rejects anything but whitespace after the root object.
            while (reader.Read()) { }
        }
        catch (JsonException ex)
        {
            throw Bad(source, null, reader.BytesConsumed, $"the header is not valid JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // GetString refuses escapes that decode to lone UTF-16 surrogates; serde_json does too.
            throw Bad(source, null, reader.TokenStartIndex, $"the header holds an invalid JSON string: {ex.Message}", ex);
        }
        return (tensors, metadata);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string? source)
    {
        // serde maps a JSON null to "no metadata"; accept it the same way.
        if (reader.TokenType == JsonTokenType.Null)
            return;
        Require(ref reader, JsonTokenType.StartObject, source, null, $"'{SafeTensors.MetadataKey}'", "an object of string values");
        while (NextProperty(ref reader, out string key, out long keyAt))
        {
            reader.Read();
            Require(ref reader, JsonTokenType.String, source, null, $"'{SafeTensors.MetadataKey}' value for key '{DisplayText.Clip(key)}'", "a string");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Bad(source, null, keyAt, $"duplicate '{SafeTensors.MetadataKey}' key '{DisplayText.Clip(key)}'; expected every key once");
        }
    }

    private static TensorInfo ReadTensor(ref Utf8JsonReader reader, string name, string? source)
    {
        long entryAt = reader.TokenStartIndex;
        Require(ref reader, JsonTokenType.StartObject, source, name, "entry", "an object with dtype, shape and data_offsets");
        SafeTensorDType? dtype = null;
        ulong[]? shape = null;
        ulong[]? offsets = null;
        while (NextProperty(ref reader, out string field, out long fieldAt))
        {
            bool duplicate = field switch
            {
                "dtype" => dtype is not null,
                "shape" => shape is not null,
                "data_offsets" => offsets is not null,
                _ => false,
            };
            if (duplicate)
                throw Bad(source, name, fieldAt, $"duplicate field '{DisplayText.Clip(field)}'; expected it once");
            switch (field)
            {
                case "dtype":
                    reader.Read();
                    Require(ref reader, JsonTokenType.String, source, name, "dtype", "a string");
                    string text = reader.GetString()!;
                    if (!SafeTensorDTypes.TryParse(text, out var parsed))
                        throw Bad(source, name, reader.TokenStartIndex, $"unknown dtype '{DisplayText.Clip(text)}'; expected one of {AllDTypes}");
                    dtype = parsed;
                    break;
                case "shape":
                    reader.Read();
                    shape = ReadUnsignedArray(ref reader, name, "shape", source);
                    break;
                case "data_offsets":
                    reader.Read();
                    long offsetsAt = reader.TokenStartIndex;
                    offsets = ReadUnsignedArray(ref reader, name, "data_offsets", source);
                    if (offsets.Length != 2)
                        throw Bad(source, name, offsetsAt,
                            $"data_offsets has {offsets.Length} numbers; expected exactly two: [begin, end]");
                    break;
                default:
                    // The reference reader ignores unknown fields inside an entry; so do we.
                    reader.Skip();
                    break;
            }
        }
        if (dtype is null || shape is null || offsets is null)
        {
            var missing = new List<string>();
            if (dtype is null) missing.Add("dtype");
            if (shape is null) missing.Add("shape");
            if (offsets is null) missing.Add("data_offsets");
            throw Bad(source, name, entryAt, $"entry lacks {string.Join(", ", missing)}; expected dtype, shape and data_offsets");
        }
        return new TensorInfo(name, dtype.Value, shape, offsets[0], offsets[1]);
    }

    private static ulong[] ReadUnsignedArray(ref Utf8JsonReader reader, string name, string field, string? source)
    {
        Require(ref reader, JsonTokenType.StartArray, source, name, field, "an array of non-negative integers");
        var values = new List<ulong>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            // TryGetUInt64 accepts only plain digits, rejecting -1, 2.0 and 1e3 as serde does for usize.
            if (reader.TokenType != JsonTokenType.Number)
                throw Bad(source, name, reader.TokenStartIndex,
                    $"{field} holds a JSON {Describe(reader.TokenType)}; expected non-negative integers");
            if (!reader.TryGetUInt64(out ulong value))
                throw Bad(source, name, reader.TokenStartIndex,
                    $"{field} element {Encoding.UTF8.GetString(reader.ValueSpan)} is not allowed; expected a non-negative integer below 2^64");
            values.Add(value);
        }
        return values.ToArray();
    }

    /// <summary>
    /// Moves to the next property of the object being read: false at the object's end, otherwise its
    /// <paramref name="name"/> and the header offset <paramref name="at"/> where it starts (for errors).
    /// </summary>
    private static bool NextProperty(ref Utf8JsonReader reader, out string name, out long at)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
        {
            (name, at) = ("", 0);
            return false;
        }
        at = reader.TokenStartIndex;
        name = reader.GetString()!;
        return true;
    }

    /// <summary>
    /// Fails unless the reader stands on a <paramref name="expected"/> token. Every type mismatch in
    /// a header reads the same way: "<paramref name="subject"/> is a JSON &lt;what it is&gt;; expected
    /// <paramref name="wanted"/>", at the offending token.
    /// </summary>
    private static void Require(ref Utf8JsonReader reader, JsonTokenType expected, string? source, string? tensor,
        string subject, string wanted)
    {
        if (reader.TokenType != expected)
            throw Bad(source, tensor, reader.TokenStartIndex, $"{subject} is a JSON {Describe(reader.TokenType)}; expected {wanted}");
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static SafeTensorsFormatException Bad(string? source, string? tensor, long headerOffset, string message,
        Exception? inner = null) =>
        HeaderReader.Fail(SafeTensorsError.InvalidHeaderDeserialization, source, tensor,
            SafeTensors.LengthPrefixSize + headerOffset, message, inner);
}
