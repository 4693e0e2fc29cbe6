using AutoLoRa.Core;
using AutoLoRa.Cpu;

namespace AutoLoRa.Kernels.Tests;

/// <summary>pgd_step_f32 run by the host emulation must equal CpuBackend.PgdStep bit for bit.</summary>
public sealed unsafe class PgdStepEmulationTests
{
    private const float Alpha = 2f / 255f;
    private const float Eps = 8f / 255f;

    [KernelFact(KernelArtifact.HostLibrary)]
    public void MatchesCpuBackendExactly()
    {
        var library = KernelAvailability.RequireHostLibrary();
        // Odd lengths, blocks that do not divide them, and grids far smaller than the data so
        // each thread walks the grid-stride loop many times.
        foreach (int n in new[] { 1, 7, 1000, 4099 })
        {
            foreach (uint block in new uint[] { 1, 32, 256 })
            {
                uint full = (uint)((n + block - 1) / block);
                foreach (uint grid in new uint[] { 1, 3, full }.Distinct())
                {
                    var (x, g, x0) = Inputs(n, seed: n * 31 + (int)block);
                    float[] expected = CpuPgdStep(x, g, x0);
                    float[] actual = EmulatedPgdStep(library, x, g, x0, grid, block);
                    for (int i = 0; i < n; i++)
                    {
                        if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                        {
                            Assert.Fail($"n={n} grid={grid} block={block} element {i}: cpu {expected[i]:R}, emulated {actual[i]:R} " +
                                        $"(x={x[i]:R}, g={g[i]:R}, x0={x0[i]:R})");
                        }
                    }
                }
            }
        }
    }

    [KernelFact(KernelArtifact.HostLibrary)]
    public void InPlaceStepMatchesCpuBackend()
    {
        var library = KernelAvailability.RequireHostLibrary();
        var (x, g, x0) = Inputs(1001, seed: 5);
        float[] expected = CpuPgdStep(x, g, x0);
        float alpha = Alpha, eps = Eps;
        int n = x.Length;
        fixed (float* px = x, pg = g, px0 = x0)
        {
            float* ax = px, ag = pg, ax0 = px0, aout = px; // out aliases x, as Backend allows
            void** args = stackalloc void*[] { &ax, &ag, &ax0, &aout, &n, &alpha, &eps };
            library.Launch("pgd_step_f32", (4, 1, 1), (64, 1, 1), 0, args);
        }
        Assert.Equal(expected, x);
    }

    [KernelFact(KernelArtifact.HostLibrary)]
    public void InvalidBlockSizeFailsWithTheKernelName()
    {
        var library = KernelAvailability.RequireHostLibrary();
        var (x, g, x0) = Inputs(4, seed: 1);
        var e = Assert.Throws<KernelException>(() => EmulatedPgdStep(library, x, g, x0, grid: 1, block: 2048));
        Assert.Contains("pgd_step_f32", e.Message);
        Assert.Contains("2048", e.Message);
    }

    [KernelFact(KernelArtifact.HostLibrary)]
    public void UnknownKernelIsAClearError()
    {
        var library = KernelAvailability.RequireHostLibrary();
        Assert.False(library.HasKernel("no_such_kernel"));
        var e = Assert.Throws<KernelException>(() => library.Launch("no_such_kernel", (1, 1, 1), (1, 1, 1), 0, null));
        Assert.Contains("no_such_kernel", e.Message);
    }

    /// <summary>Random images plus the edge cases: zero, negative-zero and NaN gradients, points on
    /// the ε-ball boundary, and points at or just outside [0, 1].</summary>
    private static (float[] X, float[] G, float[] X0) Inputs(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        var g = new float[n];
        var x0 = new float[n];
        for (int i = 0; i < n; i++)
        {
            x0[i] = (float)rng.NextDouble();
            x[i] = x0[i] + (float)(rng.NextDouble() * 2 - 1) * Eps;
            g[i] = (float)(rng.NextDouble() * 2 - 1);
            switch (i % 9)
            {
                case 0: g[i] = 0f; break;
                case 1: g[i] = -0f; break;
                case 2: x[i] = x0[i] + Eps; break;               // on the upper ball boundary
                case 3: x[i] = x0[i] - Eps; break;               // on the lower ball boundary
                case 4: x0[i] = 0f; x[i] = 0f; break;            // at the lower image bound
                case 5: x0[i] = 1f; x[i] = 1f; break;            // at the upper image bound
                case 6: x0[i] = 0.999f; break;                   // ball pokes past 1
                case 7: if (i % 2 == 1) g[i] = float.NaN; break; // sign(NaN) = 0 in both
            }
        }
        return (x, g, x0);
    }

    private static float[] CpuPgdStep(float[] x, float[] g, float[] x0)
    {
        using var cpu = new CpuBackend();
        int n = x.Length;
        var bx = cpu.Allocate(n);
        var bg = cpu.Allocate(n);
        var bx0 = cpu.Allocate(n);
        var bout = cpu.Allocate(n);
        cpu.Upload(x, bx);
        cpu.Upload(g, bg);
        cpu.Upload(x0, bx0);
        cpu.PgdStep(n, bx, bg, bx0, Alpha, Eps, bout);
        var result = new float[n];
        cpu.Download(bout, result);
        foreach (var b in new[] { bx, bg, bx0, bout }) b.Release();
        return result;
    }

    private static float[] EmulatedPgdStep(HostKernelLibrary library, float[] x, float[] g, float[] x0, uint grid, uint block)
    {
        int n = x.Length;
        var result = new float[n];
        float alpha = Alpha, eps = Eps;
        fixed (float* px = x, pg = g, px0 = x0, pout = result)
        {
            // The kernel parameter list: (x, g, x0, out, n, alpha, eps); each slot points at a value.
            float* ax = px, ag = pg, ax0 = px0, aout = pout;
            void** args = stackalloc void*[] { &ax, &ag, &ax0, &aout, &n, &alpha, &eps };
            library.Launch("pgd_step_f32", (grid, 1, 1), (block, 1, 1), 0, args);
        }
        return result;
    }
}
