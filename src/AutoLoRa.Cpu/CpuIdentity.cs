using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace AutoLoRa.Cpu;

/// <summary>
/// The processor this process runs on, as far as the CPU backend's speed depends on it: vendor,
/// family and model (CPUID leaf 1, extended fields folded in as the vendors' manuals define them),
/// the brand string, the instruction-set extensions the backend's kernels actually use here, and
/// the worker threads. Benchmarks print it beside every figure, and the convolution autotuner keys
/// its measurements by it, so that figures and choices from different machines are never mixed:
/// Zen 4 (family 25) splits AVX-512 into two 256-bit halves, Zen 5 (family 26) does not.
/// </summary>
public sealed class CpuIdentity
{
    private CpuIdentity(string vendor, int family, int model, string modelName, IReadOnlyList<string> extensions, int threads) =>
        (Vendor, Family, Model, ModelName, Extensions, Threads) = (vendor, family, model, modelName, extensions, threads);

    /// <summary>The processor of this process (read once).</summary>
    public static CpuIdentity Current { get; } = Detect();

    /// <summary>CPUID vendor string (AuthenticAMD, GenuineIntel), or the process architecture off x86.</summary>
    public string Vendor { get; }

    /// <summary>Display family (base family plus extended family where the base is 15); 0 when unknown.</summary>
    public int Family { get; }

    /// <summary>Display model (extended model in the high nibble for families 6 and 15 and up); 0 when unknown.</summary>
    public int Model { get; }

    /// <summary>The brand string (CPUID 0x80000002–4, else /proc/cpuinfo's "model name"), trimmed; "unknown" if neither gives one.</summary>
    public string ModelName { get; }

    /// <summary>The vector extensions the backend's kernels use on this machine: avx512f, avx2, fma (those present).</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>Worker threads of the CPU primitives (<see cref="CpuBackend.Threads"/>): timings and so choices depend on them.</summary>
    public int Threads { get; }

    /// <summary>One token-free line that identifies the machine for caches: equal keys mean comparable timings.</summary>
    public string Key => $"{Vendor}/{Family}/{Model}/{ModelName.Replace(' ', '_')}/{string.Join('+', Extensions)}/{Threads}t";

    /// <summary>For people: "AMD EPYC (AuthenticAMD family 26 model 2; avx512f avx2 fma; 2 threads)".</summary>
    public override string ToString() =>
        $"{ModelName} ({Vendor} family {Family} model {Model}; {(Extensions.Count == 0 ? "no vector extensions" : string.Join(' ', Extensions))}; {Threads} threads)";

    private static CpuIdentity Detect()
    {
        var extensions = new List<string>();
        // The same tests the kernels make before choosing their AVX-512 or AVX2 forms.
        if (Avx512F.IsSupported && Vector512.IsHardwareAccelerated) extensions.Add("avx512f");
        if (Avx2.IsSupported && Vector256.IsHardwareAccelerated) extensions.Add("avx2");
        if (Fma.IsSupported) extensions.Add("fma");
        if (!X86Base.IsSupported)
        {
            return new CpuIdentity(RuntimeInformation.ProcessArchitecture.ToString(), 0, 0, Tidy(ProcCpuInfo("model name")) ?? "unknown", extensions, CpuParallel.WorkerCount);
        }
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        string vendor = Ascii(ebx, edx, ecx);
        int signature = X86Base.CpuId(1, 0).Eax;
        int baseFamily = (signature >> 8) & 0xF, baseModel = (signature >> 4) & 0xF;
        int family = baseFamily == 0xF ? baseFamily + ((signature >> 20) & 0xFF) : baseFamily;
        int model = baseFamily is 0x6 or 0xF ? baseModel | (((signature >> 16) & 0xF) << 4) : baseModel;
        string? brand = null;
        if ((uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax >= 0x80000004)
        {
            var parts = new int[12];
            for (int leaf = 0; leaf < 3; leaf++)
            {
                var (a, b, c, d) = X86Base.CpuId(unchecked((int)0x80000002) + leaf, 0);
                (parts[4 * leaf], parts[4 * leaf + 1], parts[4 * leaf + 2], parts[4 * leaf + 3]) = (a, b, c, d);
            }
            brand = Ascii(parts);
        }
        return new CpuIdentity(vendor, family, model, Tidy(brand) ?? Tidy(ProcCpuInfo("model name")) ?? "unknown", extensions, CpuParallel.WorkerCount);
    }

    private static string Ascii(params int[] registers)
    {
        var bytes = MemoryMarshal.AsBytes(registers.AsSpan());
        int end = bytes.IndexOf((byte)0);
        return System.Text.Encoding.ASCII.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private static string? Tidy(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        return string.Join(' ', name.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>The first value of <paramref name="field"/> in /proc/cpuinfo (Linux), or null.</summary>
    private static string? ProcCpuInfo(string field)
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':');
                if (colon > 0 && line[..colon].Trim() == field) return line[(colon + 1)..].Trim();
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
