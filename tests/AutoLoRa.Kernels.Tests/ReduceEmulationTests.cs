namespace AutoLoRa.Kernels.Tests;

/// <summary>
/// The reduce family needs __syncthreads, shared memory, warp shuffles and atomics, so it checks
/// the emulation itself. sum_f32 adds in a fixed order, so its partials must equal a C# replay of
/// that order bit for bit (a broken barrier reads a partner before it is written); both kernels
/// must also give the double-precision sum within the float rounding bound. x starts at every
/// phase from a 16-byte boundary across the launch shapes, so the scalar head, the float4 quads
/// and the tail all take part.
/// </summary>
public sealed unsafe class ReduceEmulationTests
{
    [KernelFact(KernelArtifact.HostLibrary)]
    public void SumF32PartialsAddUpToTheSum()
    {
        var library = KernelAvailability.RequireHostLibrary();
        foreach (int n in new[] { 1, 1000, 100_003 })
        {
            float[] x = Data(n, seed: n);
            foreach (uint block in new uint[] { 1, 31, 32, 100, 256, 1024 })
            {
                foreach (uint grid in new uint[] { 1, 7 })
                {
                    var partials = new float[grid];
                    Array.Fill(partials, float.NaN); // every block must write its partial
                    int phase = (int)((block + grid) % 4);
                    LaunchSum(library, "sum_f32", x, phase, partials, grid, block, block * sizeof(float));
                    string what = $"sum_f32 n={n} grid={grid} block={block} phase={phase}";
                    Assert.True(ReplayPartials(x, phase, grid, block).SequenceEqual(partials), $"{what}: partials differ from the replayed order");
                    AssertSum(x, partials.Sum(p => (double)p), grid, block, what);
                }
            }
        }
    }

    [KernelFact(KernelArtifact.HostLibrary)]
    public void SumAtomicF32EqualsTheSum()
    {
        var library = KernelAvailability.RequireHostLibrary();
        foreach (int n in new[] { 1, 1000, 100_003 })
        {
            float[] x = Data(n, seed: n + 1);
            foreach (uint block in new uint[] { 32, 64, 256, 1024 })
            {
                foreach (uint grid in new uint[] { 1, 5, 64 })
                {
                    var total = new float[1]; // zeroed, as the kernel requires
                    int phase = (int)((block / 32 + grid) % 4);
                    LaunchSum(library, "sum_atomic_f32", x, phase, total, grid, block, 0);
                    AssertSum(x, total[0], grid, block, $"sum_atomic_f32 n={n} grid={grid} block={block} phase={phase}");
                }
            }
        }
    }

    /// <summary>Both kernels take (const float* x, float* output, int n); x is placed <paramref name="phase"/> floats past a 16-byte boundary.</summary>
    private static void LaunchSum(HostKernelLibrary library, string kernel, float[] x, int phase, float[] output, uint grid, uint block, uint sharedBytes)
    {
        int n = x.Length;
        using var placed = new AlignedFloats(x, phase);
        fixed (float* po = output)
        {
            float* ax = placed.Pointer, ao = po;
            void** args = stackalloc void*[] { &ax, &ao, &n };
            library.Launch(kernel, (grid, 1, 1), (block, 1, 1), sharedBytes, args);
        }
        Assert.True(placed.GuardsIntact(), $"{kernel} wrote into its input");
    }

    private static float[] Data(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 0.5);
        return x;
    }

    /// <summary>
    /// sum_f32's order: per thread, its grid-stride float4 quads (from the first 16-byte boundary,
    /// each added as (x0 + x1) + (x2 + x3)), then its share of the scalar head and tail elements;
    /// then the halving fold in shared memory.
    /// </summary>
    private static float[] ReplayPartials(float[] x, int phase, uint grid, uint block)
    {
        long n = x.Length, head = Math.Min((4 - phase) & 3, n), quads = (n - head) / 4, tail = head + 4 * quads, edges = head + n - tail;
        var partials = new float[grid];
        long stride = (long)grid * block;
        var values = new float[block];
        for (uint b = 0; b < grid; b++)
        {
            for (uint t = 0; t < block; t++)
            {
                float acc = 0f;
                long first = (long)b * block + t;
                for (long q = first; q < quads; q += stride)
                {
                    long i = head + 4 * q;
                    acc += (x[i] + x[i + 1]) + (x[i + 2] + x[i + 3]);
                }
                for (long e = first; e < edges; e += stride) acc += x[e < head ? e : tail + e - head];
                values[t] = acc;
            }
            uint width = 1;
            while (width < block) width <<= 1;
            for (uint half = width >> 1; half > 0; half >>= 1)
            {
                for (uint t = 0; t < half && t + half < block; t++) values[t] += values[t + half];
            }
            partials[b] = values[0];
        }
        return partials;
    }

    /// <summary>
    /// Each float add of a chain of k adds errs by at most k·2⁻²⁴·Σ|x|; the longest chain here is a
    /// thread's grid-stride loop, then the fold within a block (log₂ block), then across blocks.
    /// </summary>
    private static void AssertSum(float[] x, double actual, uint grid, uint block, string what)
    {
        double expected = 0, magnitude = 0;
        foreach (float v in x)
        {
            expected += v;
            magnitude += Math.Abs(v);
        }
        long perThread = (x.Length + (long)grid * block - 1) / ((long)grid * block);
        double chain = perThread + Math.Ceiling(Math.Log2(block)) + Math.Ceiling(Math.Log2(32)) + grid;
        double tolerance = chain * Math.Pow(2, -24) * magnitude + 1e-6;
        Assert.True(Math.Abs(actual - expected) <= tolerance,
            $"{what}: expected {expected}, got {actual} (|diff| {Math.Abs(actual - expected)}, tolerance {tolerance})");
    }
}
