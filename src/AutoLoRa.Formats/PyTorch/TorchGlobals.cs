namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// The globals a weights-only checkpoint may name, and what REDUCE, NEWOBJ and BUILD mean for
/// each. This is our own interpretation of each allowed name; no name is ever looked up in a
/// runtime, so an unknown name can only produce an error.
/// </summary>
internal static class TorchGlobals
{
    // Modules PyTorch refuses even when a user allowlists them; named in the error so a hostile
    // file is recognisable as such.
    private static readonly HashSet<string> BlockedModules = ["os", "posix", "nt", "sys", "subprocess", "shutil"];

    private static readonly HashSet<string> Allowed =
    [
        "collections.OrderedDict", "collections.Counter",
        "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
        "torch._tensor._rebuild_from_type_v2",
        "torch.nn.parameter.Parameter", "torch.Tensor", "torch.Size", "torch.device",
        "builtins.set", "builtins.frozenset", "builtins.bytearray", "_codecs.encode",
    ];

    /// <summary>Maps a GLOBAL to an allowed <see cref="PyGlobal"/>, or throws naming it.</summary>
    public static PyGlobal Resolve(string module, string name, PickleInput input)
    {
        // Protocol 2 spells Python 3 modules by their Python 2 names.
        module = module switch
        {
            "__builtin__" => "builtins",
            "copy_reg" => "copyreg",
            _ => module,
        };
        string full = $"{module}.{name}";
        if (BlockedModules.Contains(module) || module.StartsWith("os.", StringComparison.Ordinal))
            throw input.Error($"global '{full}' is forbidden (module '{module}' can run commands); this file is hostile or not a weights-only checkpoint");
        bool allowed = Allowed.Contains(full)
            || (module == "torch" && (TorchDTypes.IsStorageType(name) || TorchDTypes.IsDTypeObject(name)));
        if (!allowed)
            throw input.Error($"global '{full}' is not allowed in a weights-only checkpoint (only tensors, storages and plain containers are)");
        return new PyGlobal(module, name);
    }

    /// <summary>REDUCE: what calling an allowed global with <paramref name="args"/> builds.</summary>
    public static object? Call(PyGlobal callable, PyTuple args, PickleInput input)
    {
        switch (callable.FullName)
        {
            case "collections.OrderedDict":
            case "collections.Counter":
            {
                var dict = new PyDict { IsOrdered = true };
                if (args.Count == 1 && args[0] is List<object?> pairs)
                {
                    foreach (var pair in pairs)
                    {
                        if (pair is not PyTuple { Count: 2 } kv || kv[0] is null) throw input.Error($"{callable} item {PyFormat.Repr(pair)} is not a (key, value) pair");
                        dict.Set(kv[0]!, kv[1]);
                    }
                }
                else if (args.Count != 0)
                    throw input.Error($"{callable} called with {args}");
                return dict;
            }
            case "torch._utils._rebuild_tensor":
                Arity(callable, args, 4, 4, input);
                return Tensor(args, dtypeOverride: null, requiresGrad: false, input);
            case "torch._utils._rebuild_tensor_v2":
                Arity(callable, args, 6, 7, input);
                CheckNoMetadata(callable, args, 6, input);
                return Tensor(args, dtypeOverride: null, requiresGrad: args[4] is true, input);
            case "torch._utils._rebuild_tensor_v3":
            {
                Arity(callable, args, 7, 8, input);
                if (args[6] is not PyGlobal { Module: "torch" } dtype || !TorchDTypes.IsDTypeObject(dtype.Name))
                    throw input.Error($"{callable} dtype argument {PyFormat.Repr(args[6])} is not a torch dtype");
                CheckNoMetadata(callable, args, 7, input);
                return Tensor(args, TorchDTypes.OfDTypeObject(dtype.Name), args[4] is true, input);
            }
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
            {
                Arity(callable, args, 3, 4, input);
                if (args[0] is not TorchTensor data) throw input.Error($"{callable} of a {PyFormat.TypeName(args[0])}, not a tensor");
                return new TorchTensor(data.Storage, data.DType, data.StorageOffset, [.. data.Shape], [.. data.Stride], args[1] is true);
            }
            case "torch._tensor._rebuild_from_type_v2":
            {
                // (func, type, args, state): a tensor subclass wrapper; we keep the plain tensor.
                Arity(callable, args, 4, 4, input);
                if (args[0] is not PyGlobal func || args[2] is not PyTuple funcArgs) throw input.Error($"{callable} with arguments {args}");
                if (args[1] is not PyGlobal { FullName: "torch.Tensor" or "torch.nn.parameter.Parameter" } type)
                    throw input.Error($"{callable} to type {PyFormat.Repr(args[1])}: only torch.Tensor and Parameter are allowed");
                return Call(func, funcArgs, input);
            }
            case "torch.Size":
                Arity(callable, args, 1, 1, input);
                return args[0] as PyTuple ?? throw input.Error($"torch.Size of a {PyFormat.TypeName(args[0])}");
            case "torch.device":
                // A device is only a placement hint; record it as text.
                return string.Join(":", args.Items.Select(a => a?.ToString()));
            case "builtins.set":
            case "builtins.frozenset":
            {
                var set = new PySet { IsFrozen = callable.Name == "frozenset" };
                if (args.Count == 1 && args[0] is List<object?> items) set.Items.AddRange(items);
                else if (args.Count != 0) throw input.Error($"{callable} of {args}");
                return set;
            }
            case "builtins.bytearray":
                return args.Count == 0 ? Array.Empty<byte>() : args[0] as byte[] ?? throw input.Error($"{callable} of {args}");
            case "_codecs.encode":
            {
                // How protocol 2 spells a bytes object: encode(text, 'latin1'), one char per byte.
                if (args.Count != 2 || args[0] is not string text || args[1] is not ("latin1" or "latin-1"))
                    throw input.Error($"{callable} of {args}: only (str, 'latin1') is allowed");
                var bytes = new byte[text.Length];
                for (int i = 0; i < text.Length; i++)
                    bytes[i] = text[i] <= 0xff ? (byte)text[i] : throw input.Error($"{callable}: character U+{(int)text[i]:X4} is not latin-1");
                return bytes;
            }
            default:
                throw input.Error($"REDUCE on global '{callable}' is not allowed (it is only valid as a type marker)");
        }
    }

    /// <summary>NEWOBJ: only the containers a state dict can hold.</summary>
    public static object? New(PyGlobal cls, PyTuple args, PickleInput input) => cls.FullName switch
    {
        "collections.OrderedDict" or "collections.Counter" or "builtins.set" or "builtins.frozenset" => Call(cls, args, input),
        _ => throw input.Error($"NEWOBJ of '{cls}' is not allowed"),
    };

    /// <summary>BUILD: attach state to an OrderedDict (its <c>_metadata</c>) or a tensor; nothing else.</summary>
    public static void Build(object? target, object? state, PickleInput input)
    {
        switch (target)
        {
            case PyDict dict:
                dict.State = state;
                break;
            case TorchTensor:
                // Tensor state is Python attributes (or backward hooks, never saved); the data is complete.
                break;
            default:
                throw input.Error($"BUILD on a {PyFormat.TypeName(target)} is not allowed");
        }
    }

    private static TorchTensor Tensor(PyTuple args, SafeTensorDType? dtypeOverride, bool requiresGrad, PickleInput input)
    {
        if (args[0] is not TorchStorage storage) throw input.Error($"tensor rebuilt from a {PyFormat.TypeName(args[0])}, not a storage");
        long offset = args[1] as long? ?? throw input.Error($"tensor storage offset {PyFormat.Repr(args[1])} is not an int");
        long[] shape = Ints(args[2], "size", input);
        long[] stride = Ints(args[3], "stride", input);
        if (shape.Length != stride.Length) throw input.Error($"tensor size {args[2]} and stride {args[3]} differ in length");
        if (shape.Any(s => s < 0) || stride.Any(s => s < 0) || offset < 0) throw input.Error($"tensor with negative size, stride or offset ({args[2]}, {args[3]}, {offset})");
        var dtype = dtypeOverride ?? storage.DType ?? throw input.Error($"tensor over untyped {storage} without a dtype");
        if (storage.DType is { } declared && declared != dtype)
            throw input.Error($"tensor of {dtype} over a {declared} storage");
        return new TorchTensor(storage, dtype, offset, shape, stride, requiresGrad);
    }

    private static long[] Ints(object? value, string what, PickleInput input)
    {
        if (value is not PyTuple tuple) throw input.Error($"tensor {what} {PyFormat.Repr(value)} is not a tuple");
        var result = new long[tuple.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = tuple[i] as long? ?? throw input.Error($"tensor {what} {tuple} holds a non-integer");
        return result;
    }

    private static void Arity(PyGlobal callable, PyTuple args, int min, int max, PickleInput input)
    {
        if (args.Count < min || args.Count > max) throw input.Error($"{callable} called with {args.Count} arguments (expected {min}–{max})");
    }

    // The optional metadata dict carries conjugate/negative bits; honouring them would change
    // the values, ignoring them would silently corrupt them, so refuse.
    private static void CheckNoMetadata(PyGlobal callable, PyTuple args, int at, PickleInput input)
    {
        if (args.Count > at && args[at] is PyDict { Count: > 0 } meta)
            throw input.Error($"{callable} with tensor metadata ({string.Join(", ", meta.Items.Select(i => PyFormat.Repr(i.Key)))}) is not supported");
    }
}
