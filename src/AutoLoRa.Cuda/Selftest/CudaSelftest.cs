using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Kernels;

namespace AutoLoRa.Cuda.Selftest;

/// <summary>The outcome of one self-test check, with the measured figure that decided it.</summary>
public readonly record struct SelftestOutcome(bool Passed, string Detail);

/// <summary>
/// The CUDA half of <c>autolora selftest</c>: what the runtime runs on (driver, cuBLAS, cuDNN,
/// device), and whether every kernel of the launch table is there (PTX for both architectures, and
/// loaded by the JIT or exported by the host emulation library). The comparison of every primitive
/// with the CPU backend is the verification table's (AutoLoRa.Verify).
/// </summary>
public static class CudaSelftest
{
    /// <summary>One line each: the runtime, its libraries and versions, the device.</summary>
    public static IReadOnlyList<string> Describe(CudaBackend backend)
    {
        var lines = new List<string>();
        switch (backend.Runtime)
        {
            case NativeRuntime native:
            {
                var probe = CudaAvailability.Probe();
                lines.Add($"driver: CUDA {probe.DriverVersion / 1000}.{probe.DriverVersion % 1000 / 10} ({probe.DriverLibrary})");
                lines.Add($"cuBLAS: {FormatCuBlas(native.CuBlasVersion)} ({probe.CuBlasLibrary})");
                lines.Add($"cuDNN:  {FormatCuDnn(native.CuDnnVersion)} ({probe.CuDnnLibrary})");
                lines.Add($"device: {native.DeviceName}, compute capability {native.ComputeCapability.Major}.{native.ComputeCapability.Minor}, " +
                          $"{native.MultiprocessorCount} SMs");
                lines.Add($"PTX:    {native.PtxArch}, {KernelSources.IsaFor(native.PtxArch)?.Describe() ?? "ISA unknown"}");
                lines.Add($"math:   {native.Precision.ToString().ToLowerInvariant()} GEMMs and convolutions (cuBLAS handle: {native.BlasMathMode})");
                break;
            }
            case EmulatedRuntime emulated:
                lines.Add($"runtime: host emulation ({(HostKernelLibrary.TryLoad(out var library, out _) ? library.Path : HostKernelLibrary.FileName)}), " +
                          $"{emulated.MultiprocessorCount} emulated SMs; cuBLAS and cuDNN calls by reference implementations of their semantics");
                break;
            default:
                lines.Add($"runtime: {backend.Runtime.Name}");
                break;
        }
        return lines;
    }

    /// <summary>cublasGetVersion: major·10000 + minor·100 + patch (cuBLAS 11 and later).</summary>
    public static string FormatCuBlas(int version) => $"{version / 10000}.{version % 10000 / 100}.{version % 100}";

    /// <summary>cudnnGetVersion: major·10000 + minor·100 + patch from cuDNN 9, major·1000 + minor·100 + patch before.</summary>
    public static string FormatCuDnn(nuint version)
    {
        ulong v = version;
        return v >= 90000 ? $"{v / 10000}.{v % 10000 / 100}.{v % 100}" : $"{v / 1000}.{v % 1000 / 100}.{v % 100}";
    }

    /// <summary>
    /// Every kernel of <see cref="KernelTable"/> is declared in the embedded PTX of every
    /// architecture the build embedded, and the runtime has it: looked up in the JIT-loaded modules (native; a JIT failure
    /// already failed opening the runtime, with the JIT log) or exported by the host library.
    /// </summary>
    public static SelftestOutcome CheckKernels(CudaBackend backend)
    {
        var kernels = KernelTable.Families.SelectMany(f => f.Value).ToArray();
        long ptxBytes = 0;
        var problems = new List<string>();
        if (KernelSources.Architectures.Count == 0)
        {
            problems.Add($"no PTX is embedded: {KernelSources.BuildSkipReason ?? "the kernels build (cmake) did not run"}");
        }
        foreach (var (family, names) in KernelTable.Families)
        {
            foreach (var arch in KernelSources.Architectures)
            {
                if (!KernelSources.TryGetPtx(family, arch, out var ptx, out var whyNot))
                {
                    problems.Add(whyNot);
                    continue;
                }
                ptxBytes += ptx.Length;
                problems.AddRange(names.Where(k => !ptx.Contains($".entry {k}(", StringComparison.Ordinal)).Select(k => $"{k} missing from {family}.{arch}.ptx"));
            }
        }
        string loaded;
        switch (backend.Runtime)
        {
            case NativeRuntime native:
                if (native.LoadedKernelCount < kernels.Length) problems.Add($"only {native.LoadedKernelCount} of {kernels.Length} kernels loaded");
                loaded = $"{native.LoadedKernelCount} loaded by the JIT ({native.PtxArch})";
                break;
            case EmulatedRuntime:
            {
                var library = HostKernelLibrary.Load();
                var missing = kernels.Where(k => !library.HasKernel(k)).ToArray();
                if (missing.Length > 0) problems.Add($"{library.Path} lacks {string.Join(", ", missing)}");
                loaded = $"{kernels.Length - missing.Length} exported by the host library";
                break;
            }
            default:
                loaded = "runtime not inspected";
                break;
        }
        if (problems.Count > 0) return new(false, string.Join("; ", problems.Distinct().Take(4)));
        return new(true, $"{kernels.Length} kernels in {KernelTable.Families.Count} modules; PTX {string.Join("+", KernelSources.Architectures)} {ptxBytes / 1024} KiB; {loaded}");
    }
}
