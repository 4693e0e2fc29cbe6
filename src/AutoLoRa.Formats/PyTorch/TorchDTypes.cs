namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// PyTorch's legacy storage classes and dtype objects, mapped to the safetensors element types we
/// already have. Only types with a safetensors equivalent are accepted; anything else (complex128,
/// quantized storages) is refused by name rather than misread.
/// </summary>
internal static class TorchDTypes
{
    /// <summary>
    /// One row per element type we read: the safetensors type, PyTorch's legacy storage class for it
    /// (null where PyTorch has none) and the names of its <c>torch.&lt;name&gt;</c> dtype object, as
    /// _rebuild_tensor_v3 receives them (aliases included). Adding a type is adding a row.
    /// </summary>
    private static readonly (SafeTensorDType Type, string? Storage, string[] DTypeNames)[] Types =
    [
        (SafeTensorDType.F32, "FloatStorage", ["float32", "float"]),
        (SafeTensorDType.F64, "DoubleStorage", ["float64", "double"]),
        (SafeTensorDType.F16, "HalfStorage", ["float16", "half"]),
        (SafeTensorDType.BF16, "BFloat16Storage", ["bfloat16"]),
        (SafeTensorDType.I64, "LongStorage", ["int64", "long"]),
        (SafeTensorDType.I32, "IntStorage", ["int32", "int"]),
        (SafeTensorDType.I16, "ShortStorage", ["int16", "short"]),
        (SafeTensorDType.I8, "CharStorage", ["int8"]),
        (SafeTensorDType.U8, "ByteStorage", ["uint8"]),
        (SafeTensorDType.U16, null, ["uint16"]),
        (SafeTensorDType.U32, null, ["uint32"]),
        (SafeTensorDType.U64, null, ["uint64"]),
        (SafeTensorDType.BOOL, "BoolStorage", ["bool"]),
        (SafeTensorDType.C64, "ComplexFloatStorage", ["complex64", "cfloat"]),
        (SafeTensorDType.F8_E4M3, null, ["float8_e4m3fn"]),
        (SafeTensorDType.F8_E5M2, null, ["float8_e5m2"]),
        (SafeTensorDType.F8_E4M3FNUZ, null, ["float8_e4m3fnuz"]),
        (SafeTensorDType.F8_E5M2FNUZ, null, ["float8_e5m2fnuz"]),
    ];

    private static readonly Dictionary<string, SafeTensorDType> StorageTypes =
        Types.Where(t => t.Storage is not null).ToDictionary(t => t.Storage!, t => t.Type, StringComparer.Ordinal);

    private static readonly Dictionary<string, SafeTensorDType> DTypeObjects =
        Types.SelectMany(t => t.DTypeNames, (t, name) => (Name: name, t.Type)).ToDictionary(d => d.Name, d => d.Type, StringComparer.Ordinal);

    /// <summary>True for <c>torch.XStorage</c> names we can read.</summary>
    public static bool IsStorageType(string name) => StorageTypes.ContainsKey(name) || name == "UntypedStorage";

    /// <summary>True for <c>torch.dtype</c> object names we can read.</summary>
    public static bool IsDTypeObject(string name) => DTypeObjects.ContainsKey(name);

    /// <summary>Element type of a typed storage class; null for UntypedStorage (bytes).</summary>
    public static SafeTensorDType? OfStorage(string name) => StorageTypes.TryGetValue(name, out var d) ? d : null;

    /// <summary>Element type named by a dtype object.</summary>
    public static SafeTensorDType OfDTypeObject(string name) => DTypeObjects[name];

    /// <summary>Bytes per element (every mapped type is whole-byte).</summary>
    public static int Size(SafeTensorDType dtype) => dtype.BitSize() / 8;
}
