using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// A pickle virtual machine that can build only plain data (None, bools, ints, floats, strings,
/// bytes, tuples, lists, dicts, sets) and tensors. GLOBAL names are checked against
/// <see cref="TorchGlobals"/>'s allowlist and REDUCE/NEWOBJ/BUILD are interpreted by us, never
/// by looking anything up or calling it, so a hostile checkpoint can at worst fail to load.
/// Opcodes are those of protocols 2–5 that state dicts need; every other opcode is refused.
/// </summary>
internal sealed class RestrictedUnpickler
{
    // A real ResNet-50 checkpoint memoises a few thousand objects; this is generous but bounded.
    private const int MaxMemo = 10_000_000;

    private readonly PickleInput _in;
    private readonly Func<PyTuple, object> _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];

    /// <param name="input">The bytes, positioned at the first opcode.</param>
    /// <param name="persistentLoad">Resolves a persistent id tuple (already checked to start with 'storage').</param>
    public RestrictedUnpickler(PickleInput input, Func<PyTuple, object> persistentLoad)
    {
        _in = input;
        _persistentLoad = persistentLoad;
    }

    /// <summary>Runs to the STOP opcode and returns the pickled value.</summary>
    public object? Load()
    {
        while (true)
        {
            byte op = _in.ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    byte proto = _in.ReadByte();
                    if (proto > 5) throw _in.Error($"pickle protocol {proto} is newer than 5");
                    break;
                case 0x95: // FRAME: a length hint only; the opcodes follow inline.
                    _in.ReadUInt64();
                    break;
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0) throw _in.Error($"STOP with {_stack.Count} values on the stack (expected 1)");
                    return _stack[0];
                case (byte)'(': _marks.Push(_stack.Count); break; // MARK
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP

                case (byte)'c': // GLOBAL
                {
                    string module = _in.ReadLine();
                    string name = _in.ReadLine();
                    Push(TorchGlobals.Resolve(module, name, _in));
                    break;
                }
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop() as string;
                    var module = Pop() as string;
                    if (module is null || name is null) throw _in.Error("STACK_GLOBAL needs two strings");
                    Push(TorchGlobals.Resolve(module, name, _in));
                    break;
                }

                case (byte)'q': Memoize(_in.ReadByte()); break; // BINPUT
                case (byte)'r': Memoize(_in.ReadUInt32()); break; // LONG_BINPUT
                case 0x94: Memoize(_memo.Count); break; // MEMOIZE
                case (byte)'h': Push(Recall(_in.ReadByte())); break; // BINGET
                case (byte)'j': Push(Recall(_in.ReadUInt32())); break; // LONG_BINGET

                case (byte)')': Push(PyTuple.Empty); break; // EMPTY_TUPLE
                case 0x85: Push(new PyTuple([Pop()])); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new PyTuple([a, b])); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PyTuple([a, b, c])); break; } // TUPLE3
                case (byte)'t': Push(new PyTuple(PopMark().ToArray())); break; // TUPLE

                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)'a': { var item = Pop(); AsList(Peek(), "APPEND").Add(item); break; } // APPEND
                case (byte)'e': { var items = PopMark(); AsList(Peek(), "APPENDS").AddRange(items); break; } // APPENDS

                case (byte)'}': Push(new PyDict()); break; // EMPTY_DICT
                case (byte)'s': // SETITEM
                {
                    var value = Pop();
                    var key = Pop();
                    SetItem(Peek(), key, value, "SETITEM");
                    break;
                }
                case (byte)'u': // SETITEMS
                {
                    var items = PopMark();
                    if (items.Count % 2 != 0) throw _in.Error("SETITEMS with an odd number of values");
                    var target = Peek();
                    for (int i = 0; i < items.Count; i += 2) SetItem(target, items[i], items[i + 1], "SETITEMS");
                    break;
                }

                case 0x8f: Push(new PySet()); break; // EMPTY_SET
                case 0x90: // ADDITEMS
                {
                    var items = PopMark();
                    if (Peek() is not PySet set) throw _in.Error($"ADDITEMS on a {PyFormat.TypeName(Peek())}, not a set");
                    set.Items.AddRange(items);
                    break;
                }
                case 0x91: // FROZENSET
                {
                    var set = new PySet { IsFrozen = true };
                    set.Items.AddRange(PopMark());
                    Push(set);
                    break;
                }

                case (byte)'N': Push(null); break; // NONE
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'J': Push((long)_in.ReadInt32()); break; // BININT
                case (byte)'K': Push((long)_in.ReadByte()); break; // BININT1
                case (byte)'M': Push((long)_in.ReadUInt16()); break; // BININT2
                case 0x8a: Push(ReadLong(_in.ReadByte())); break; // LONG1
                case 0x8b: // LONG4
                {
                    int n = _in.ReadInt32();
                    if (n < 0 || n > 1024) throw _in.Error($"LONG4 of {n} bytes");
                    Push(ReadLong(n));
                    break;
                }
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(_in.ReadBytes(8))); break; // BINFLOAT (big-endian)

                case (byte)'X': Push(_in.ReadUtf8(_in.ReadUInt32())); break; // BINUNICODE
                case 0x8c: Push(_in.ReadUtf8(_in.ReadByte())); break; // SHORT_BINUNICODE
                case 0x8d: Push(_in.ReadUtf8(CheckedLength(_in.ReadUInt64()))); break; // BINUNICODE8
                // Python 2 byte strings: protocol-2 files written by Python 2 use them for names; latin-1 is lossless.
                case (byte)'U': Push(Encoding.Latin1.GetString(_in.ReadBytes(_in.ReadByte()))); break; // SHORT_BINSTRING
                case (byte)'T': Push(Encoding.Latin1.GetString(_in.ReadBytes(CheckedLength(_in.ReadInt32())))); break; // BINSTRING
                case (byte)'C': Push(_in.ReadBytes(_in.ReadByte())); break; // SHORT_BINBYTES
                case (byte)'B': Push(_in.ReadBytes(_in.ReadUInt32())); break; // BINBYTES
                case 0x8e: Push(_in.ReadBytes(CheckedLength(_in.ReadUInt64()))); break; // BINBYTES8
                case 0x96: Push(_in.ReadBytes(CheckedLength(_in.ReadUInt64()))); break; // BYTEARRAY8

                case (byte)'R': // REDUCE
                {
                    var args = Pop();
                    var callable = Pop();
                    if (callable is not PyGlobal g) throw _in.Error($"REDUCE on a {PyFormat.TypeName(callable)}, which is not a callable global");
                    if (args is not PyTuple tuple) throw _in.Error($"REDUCE of {g} with {PyFormat.TypeName(args)} arguments, not a tuple");
                    Push(TorchGlobals.Call(g, tuple, _in));
                    break;
                }
                case 0x81: // NEWOBJ
                {
                    var args = Pop();
                    var cls = Pop();
                    if (cls is not PyGlobal g || args is not PyTuple tuple) throw _in.Error($"NEWOBJ on a {PyFormat.TypeName(cls)}");
                    Push(TorchGlobals.New(g, tuple, _in));
                    break;
                }
                case (byte)'b': // BUILD
                {
                    var state = Pop();
                    TorchGlobals.Build(Peek(), state, _in);
                    break;
                }
                case (byte)'Q': // BINPERSID
                {
                    var pid = Pop();
                    if (pid is not PyTuple t || t.Count < 5 || t[0] is not "storage")
                        throw _in.Error($"persistent id {PyFormat.Repr(pid)} is not a ('storage', type, key, location, numel) tuple");
                    Push(_persistentLoad(t));
                    break;
                }

                default:
                    throw _in.Error($"opcode 0x{op:x2} ('{(op >= 0x20 && op < 0x7f ? (char)op : '?')}') is not allowed in a weights-only checkpoint");
            }
        }
    }

    private object ReadLong(int byteCount)
    {
        var bytes = _in.ReadBytes(byteCount);
        if (byteCount == 0) return 0L;
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    private long CheckedLength(long length) =>
        length is >= 0 and <= int.MaxValue ? length : throw _in.Error($"a length of {length} bytes is out of range");

    private long CheckedLength(ulong length) =>
        length <= int.MaxValue ? (long)length : throw _in.Error($"a length of {length} bytes is out of range");

    private void SetItem(object? target, object? key, object? value, string op)
    {
        if (target is not PyDict dict) throw _in.Error($"{op} on a {PyFormat.TypeName(target)}, not a dict");
        if (key is null or List<object?> or PyDict or PySet) throw _in.Error($"{op} with an unhashable {PyFormat.TypeName(key)} key");
        dict.Set(key, value);
    }

    private List<object?> AsList(object? target, string op) =>
        target as List<object?> ?? throw _in.Error($"{op} on a {PyFormat.TypeName(target)}, not a list");

    private void Memoize(long index)
    {
        if (_stack.Count == 0) throw _in.Error("memo store with an empty stack");
        if (_memo.Count >= MaxMemo && !_memo.ContainsKey(index)) throw _in.Error($"more than {MaxMemo} memo entries");
        _memo[index] = _stack[^1];
    }

    private object? Recall(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw _in.Error($"memo index {index} was never stored");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek()
    {
        int floor = _marks.Count > 0 ? _marks.Peek() : 0;
        if (_stack.Count <= floor) throw _in.Error("stack underflow");
        return _stack[^1];
    }

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw _in.Error("no MARK to pop to");
        int at = _marks.Pop();
        var items = _stack.GetRange(at, _stack.Count - at);
        _stack.RemoveRange(at, _stack.Count - at);
        return items;
    }
}
