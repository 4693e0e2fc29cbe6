namespace AutoLoRa.Formats;

/// <summary>
/// Element types a safetensors file can declare. The member names are the exact strings used in
/// the header's <c>"dtype"</c> field.
/// </summary>
/// <remarks>
/// The declaration order is the reference implementation's enum order (increasing alignment);
/// the writer sorts tensors by it, descending, so every tensor lands naturally aligned.
/// Only a few types have typed accessors on <see cref="SafeTensorEntry"/>; every type can be read
/// and written as raw bytes so that a file holding, say, an FP8 tensor still loads.
/// </remarks>
public enum SafeTensorDType
{
    /// <summary>Boolean, one byte per element (0 or 1).</summary>
    BOOL,
    /// <summary>4-bit float (sub-byte; a tensor must hold a whole number of bytes).</summary>
    F4,
    /// <summary>6-bit float, E2M3 (sub-byte).</summary>
    F6_E2M3,
    /// <summary>6-bit float, E3M2 (sub-byte).</summary>
    F6_E3M2,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>8-bit float, E5M2.</summary>
    F8_E5M2,
    /// <summary>8-bit float, E4M3.</summary>
    F8_E4M3,
    /// <summary>8-bit float, E8M0 (scale factors).</summary>
    F8_E8M0,
    /// <summary>8-bit float, E4M3 "fnuz" variant.</summary>
    F8_E4M3FNUZ,
    /// <summary>8-bit float, E5M2 "fnuz" variant.</summary>
    F8_E5M2FNUZ,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16,
    /// <summary>IEEE 754 half precision.</summary>
    F16,
    /// <summary>bfloat16: the upper 16 bits of a float32.</summary>
    BF16,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32,
    /// <summary>IEEE 754 single precision.</summary>
    F32,
    /// <summary>Complex number as two float32 (real, imaginary).</summary>
    C64,
    /// <summary>IEEE 754 double precision.</summary>
    F64,
    /// <summary>Signed 64-bit integer (e.g. BatchNorm's <c>num_batches_tracked</c>).</summary>
    I64,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
}

/// <summary>Sizes and header names of <see cref="SafeTensorDType"/> values.</summary>
public static class SafeTensorDTypes
{
    /// <summary>Bits per element, as the format defines them (sub-byte types included).</summary>
    public static int BitSize(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F4 => 4,
        SafeTensorDType.F6_E2M3 or SafeTensorDType.F6_E3M2 => 6,
        SafeTensorDType.BOOL or SafeTensorDType.U8 or SafeTensorDType.I8
            or SafeTensorDType.F8_E5M2 or SafeTensorDType.F8_E4M3 or SafeTensorDType.F8_E8M0
            or SafeTensorDType.F8_E4M3FNUZ or SafeTensorDType.F8_E5M2FNUZ => 8,
        SafeTensorDType.I16 or SafeTensorDType.U16 or SafeTensorDType.F16 or SafeTensorDType.BF16 => 16,
        SafeTensorDType.I32 or SafeTensorDType.U32 or SafeTensorDType.F32 => 32,
        SafeTensorDType.C64 or SafeTensorDType.F64 or SafeTensorDType.I64 or SafeTensorDType.U64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype"),
    };

    /// <summary>The string written in the header's <c>"dtype"</c> field.</summary>
    public static string HeaderName(this SafeTensorDType dtype) =>
        Enum.IsDefined(dtype)
            ? dtype.ToString()
            : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype");

    private static readonly System.Buffers.SearchValues<char> HeaderNameCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    /// <summary>
    /// Parses a header dtype string. Matching is exact and case-sensitive, as in the reference
    /// reader; numeric strings are rejected even though <see cref="Enum.TryParse{TEnum}(string, out TEnum)"/>
    /// would accept them.
    /// </summary>
    public static bool TryParse(string text, out SafeTensorDType dtype)
    {
        dtype = default;
        // Enum.TryParse also trims blanks ("F32 ") and reads numbers; the reference takes neither.
        if (text.Length == 0 || !char.IsAsciiLetterUpper(text[0]) || text.AsSpan().ContainsAnyExcept(HeaderNameCharacters))
            return false;
        return Enum.TryParse(text, ignoreCase: false, out dtype) && Enum.IsDefined(dtype);
    }
}
