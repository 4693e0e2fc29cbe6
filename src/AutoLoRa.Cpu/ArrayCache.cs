namespace AutoLoRa.Cpu;

/// <summary>
/// A caching allocator for pinned host arrays, keyed by exact length. A training loop asks for the
/// same sizes every step, so after the first step every request is served from the cache and the
/// GC sees no new large objects.
/// </summary>
internal sealed class ArrayCache
{
    private readonly Dictionary<int, Stack<float[]>> _floats = [];
    private readonly Dictionary<int, Stack<int[]>> _ints = [];
    private readonly Lock _gate = new();

    /// <summary>Arrays handed out from the OS since creation (cache misses), for allocation reports.</summary>
    public long Misses { get; private set; }

    public float[] RentFloats(int length) => Rent(_floats, length);

    public int[] RentInts(int length) => Rent(_ints, length);

    public void Return(float[] array) => Return(_floats, array);

    public void Return(int[] array) => Return(_ints, array);

    /// <summary>Drops every cached array so the GC can reclaim them.</summary>
    public void Trim()
    {
        lock (_gate)
        {
            _floats.Clear();
            _ints.Clear();
        }
    }

    private T[] Rent<T>(Dictionary<int, Stack<T[]>> pool, int length) where T : unmanaged
    {
        lock (_gate)
        {
            if (pool.TryGetValue(length, out var stack) && stack.Count > 0) return stack.Pop();
            Misses++;
        }
        return GC.AllocateUninitializedArray<T>(length, pinned: true);
    }

    private void Return<T>(Dictionary<int, Stack<T[]>> pool, T[] array)
    {
        lock (_gate)
        {
            if (!pool.TryGetValue(array.Length, out var stack))
            {
                stack = new Stack<T[]>();
                pool[array.Length] = stack;
            }
            stack.Push(array);
        }
    }
}
