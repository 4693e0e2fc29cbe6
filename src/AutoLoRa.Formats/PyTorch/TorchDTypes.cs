namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// PyTorch's legacy storage classes and dtype objects, mapped to the safetensors element types we
/// already have. Only types with a safetensors equivalent are accepted; anything else (complex128,
/// quantized storages) is refused by name rather than misread.
/// </summary>
internal static class TorchDTypes
{
    private static readonly Dictionary<string, SafeTensorDType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = SafeTensorDType.F32,
        ["DoubleStorage"] = SafeTensorDType.F64,
        ["HalfStorage"] = SafeTensorDType.F16,
        ["BFloat16Storage"] = SafeTensorDType.BF16,
        ["LongStorage"] = SafeTensorDType.I64,
        ["IntStorage"] = SafeTensorDType.I32,
        ["ShortStorage"] = SafeTensorDType.I16,
        ["CharStorage"] = SafeTensorDType.I8,
        ["ByteStorage"] = SafeTensorDType.U8,
        ["BoolStorage"] = SafeTensorDType.BOOL,
        ["ComplexFloatStorage"] = SafeTensorDType.C64,
    };

    // torch.<name> dtype objects, as _rebuild_tensor_v3 receives them (aliases included).
    private static readonly Dictionary<string, SafeTensorDType> DTypeObjects = new(StringComparer.Ordinal)
    {
        ["float32"] = SafeTensorDType.F32, ["float"] = SafeTensorDType.F32,
        ["float64"] = SafeTensorDType.F64, ["double"] = SafeTensorDType.F64,
        ["float16"] = SafeTensorDType.F16, ["half"] = SafeTensorDType.F16,
        ["bfloat16"] = SafeTensorDType.BF16,
        ["int64"] = SafeTensorDType.I64, ["long"] = SafeTensorDType.I64,
        ["int32"] = SafeTensorDType.I32, ["int"] = SafeTensorDType.I32,
        ["int16"] = SafeTensorDType.I16, ["short"] = SafeTensorDType.I16,
        ["int8"] = SafeTensorDType.I8,
        ["uint8"] = SafeTensorDType.U8,
        ["uint16"] = SafeTensorDType.U16,
        ["uint32"] = SafeTensorDType.U32,
        ["uint64"] = SafeTensorDType.U64,
        ["bool"] = SafeTensorDType.BOOL,
        ["complex64"] = SafeTensorDType.C64, ["cfloat"] = SafeTensorDType.C64,
        ["float8_e4m3fn"] = SafeTensorDType.F8_E4M3,
        ["float8_e5m2"] = SafeTensorDType.F8_E5M2,
        ["float8_e4m3fnuz"] = SafeTensorDType.F8_E4M3FNUZ,
        ["float8_e5m2fnuz"] = SafeTensorDType.F8_E5M2FNUZ,
    };

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
