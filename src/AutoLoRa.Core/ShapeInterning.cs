using System.Collections.Immutable;

namespace AutoLoRa.Core;

/// <summary>
/// The dimension arrays of shapes of rank up to four, shared per thread: an operation builds its
/// output shape on every call, and a training loop asks for the same few shapes each step, so after
/// the first step no call allocates one. Sharing is safe because the arrays are immutable. The table
/// stops growing at <see cref="Capacity"/> entries (later shapes simply get their own array).
/// </summary>
internal static class ShapeInterning
{
    private const int Capacity = 4096;

    [ThreadStatic] private static Dictionary<Key, ImmutableArray<int>>? t_table;

    public static ImmutableArray<int> Dims(ReadOnlySpan<int> dims)
    {
        if (dims.Length > 4) return [.. dims];
        var key = new Key(dims);
        var table = t_table ??= [];
        if (table.TryGetValue(key, out var shared)) return shared;
        ImmutableArray<int> made = [.. dims];
        if (table.Count < Capacity) table.Add(key, made);
        return made;
    }

    private readonly record struct Key(int Rank, int D0, int D1, int D2, int D3)
    {
        public Key(ReadOnlySpan<int> dims)
            : this(dims.Length, At(dims, 0), At(dims, 1), At(dims, 2), At(dims, 3))
        {
        }

        private static int At(ReadOnlySpan<int> dims, int axis) => axis < dims.Length ? dims[axis] : 0;
    }
}
