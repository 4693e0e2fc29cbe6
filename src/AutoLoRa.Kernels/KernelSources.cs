using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace AutoLoRa.Kernels;

/// <summary>
/// The PTX embedded at build time: one text per kernel family (a kernels/*.cu file) and SM
/// architecture, named "AutoLoRa.Kernels.Ptx.&lt;family&gt;.sm_&lt;arch&gt;.ptx". Load a text with
/// cuModuleLoadData (append a NUL) and look kernels up by their extern "C" names.
/// </summary>
public static class KernelSources
{
    private const string Prefix = "AutoLoRa.Kernels.Ptx.";
    private const string SkippedResource = Prefix + "SKIPPED.txt";
    private static readonly Assembly Assembly = typeof(KernelSources).Assembly;

    /// <summary>Every embedded (family, arch) pair, e.g. ("pgd_step", "sm_80").</summary>
    public static IReadOnlyList<(string Family, string Arch)> Available { get; } = FindEmbedded();

    /// <summary>The SM architectures PTX was embedded for, oldest first (e.g. "sm_70", "sm_80"): what the build's AUTOLORA_PTX_ARCHS gave.</summary>
    public static IReadOnlyList<string> Architectures { get; } =
        [.. Available.Select(a => a.Arch).Distinct().OrderBy(ArchNumber)];

    /// <summary>
    /// The PTX to load on a device of compute capability <paramref name="major"/>.<paramref name="minor"/>:
    /// the newest of <paramref name="embedded"/> (default <see cref="Architectures"/>) whose target the
    /// device can run (sm_XY ≤ the device's XY; the driver JITs it forward), or null when every one
    /// is newer than the device.
    /// </summary>
    public static string? ArchitectureFor(int major, int minor, IReadOnlyList<string>? embedded = null) =>
        (embedded ?? Architectures).Where(a => ArchNumber(a) <= major * 10 + minor).OrderBy(ArchNumber).LastOrDefault();

    /// <summary>"sm_86" → 86; an unreadable name sorts last and never fits a device.</summary>
    private static int ArchNumber(string arch) =>
        arch.StartsWith("sm_", StringComparison.Ordinal) && int.TryParse(arch.AsSpan(3), out int n) ? n : int.MaxValue;

    /// <summary>
    /// The PTX ISA the build embedded for <paramref name="arch"/>: the newest among its families (they
    /// come from one compiler run, so normally all alike), or null when none is embedded.
    /// </summary>
    public static PtxIsa? IsaFor(string arch) =>
        Available.Where(a => a.Arch == arch)
            .Select(a => TryGetPtx(a.Family, arch, out var ptx, out _) ? PtxIsa.Of(ptx) : null)
            .OfType<PtxIsa>().OrderBy(v => v.Major * 10 + v.Minor).Cast<PtxIsa?>().LastOrDefault();

    /// <summary>Why no PTX was embedded (the CMake step's own explanation), or null when some was.</summary>
    public static string? BuildSkipReason { get; } = ReadResource(SkippedResource)?.Trim();

    /// <summary>The PTX text of a family for one architecture ("sm_70", "sm_80").</summary>
    public static bool TryGetPtx(string family, string arch, [NotNullWhen(true)] out string? ptx, out string whyNot)
    {
        ptx = ReadResource($"{Prefix}{family}.{arch}.ptx");
        if (ptx is not null)
        {
            whyNot = "";
            return true;
        }
        whyNot = Available.Count == 0
            ? $"No PTX is embedded in {Assembly.GetName().Name}: {BuildSkipReason ?? "the kernels build (cmake) did not run"}. " +
              "Install a CUDA compiler (nvcc, or clang: apt-get install -y clang llvm cmake g++) and rebuild."
            : $"No PTX for family '{family}' and arch '{arch}'; embedded: {string.Join(", ", Available.Select(a => $"{a.Family}.{a.Arch}"))}.";
        return false;
    }

    /// <summary>Like <see cref="TryGetPtx"/>, but throws <see cref="KernelException"/> with the reason.</summary>
    public static string GetPtx(string family, string arch) =>
        TryGetPtx(family, arch, out var ptx, out var whyNot) ? ptx : throw new KernelException(whyNot);

    private static List<(string Family, string Arch)> FindEmbedded()
    {
        var found = new List<(string, string)>();
        foreach (var name in Assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal) || !name.EndsWith(".ptx", StringComparison.Ordinal)) continue;
            // <family>.<arch>.ptx; the family (a file name) has no dots, the arch none either.
            var parts = name[Prefix.Length..^".ptx".Length].Split('.');
            if (parts.Length == 2) found.Add((parts[0], parts[1]));
        }
        found.Sort();
        return found;
    }

    private static string? ReadResource(string name)
    {
        using var stream = Assembly.GetManifestResourceStream(name);
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
