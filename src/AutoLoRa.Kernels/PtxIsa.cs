using System.Globalization;
using System.Text.RegularExpressions;

namespace AutoLoRa.Kernels;

/// <summary>
/// A PTX ISA version (the <c>.version</c> directive of a PTX text) and the oldest CUDA driver that
/// JIT-compiles it. The version follows the compiler: clang's is pinned by the kernels build
/// (<c>+ptx70</c>: ISA 7.0, CUDA 11.0 drivers and later), nvcc writes its toolkit's own, which a
/// driver older than that toolkit refuses with CUDA_ERROR_UNSUPPORTED_PTX_VERSION.
/// </summary>
public readonly partial record struct PtxIsa(int Major, int Minor)
{
    // PTX ISA → the first CUDA release whose driver accepts it (NVIDIA's PTX ISA release history;
    // /work/shared/specs/cuda-interop-facts.md §6). cuDriverGetVersion reports major·1000 + minor·10.
    private static readonly (int Isa, int Driver)[] FirstDriver =
    [
        (60, 9000), (63, 10000), (65, 10020), (70, 11000), (71, 11010), (72, 11020), (74, 11040), (75, 11050),
        (76, 11060), (77, 11070), (78, 11080), (80, 12000), (81, 12010), (82, 12020), (83, 12030), (84, 12040),
        (85, 12050), (86, 12070), (87, 12080), (88, 12090), (90, 13000), (91, 13010),
    ];

    /// <summary>The <c>.version</c> of a PTX text, or null when it has none.</summary>
    public static PtxIsa? Of(string ptx)
    {
        var m = VersionDirective().Match(ptx);
        return m.Success
            ? new PtxIsa(int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].ValueSpan, CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>
    /// The oldest driver that loads this ISA, as cuDriverGetVersion reports it (e.g. 11000 for CUDA
    /// 11.0), or null for an ISA newer than this table knows.
    /// </summary>
    public int? MinimumDriverVersion
    {
        get
        {
            int isa = Major * 10 + Minor;
            foreach (var (known, driver) in FirstDriver)
            {
                if (known >= isa) return driver;
            }
            return null;
        }
    }

    /// <summary>"ISA 7.0 (a driver for CUDA 11.0 or newer)".</summary>
    public string Describe() =>
        MinimumDriverVersion is int d
            ? $"ISA {this} (a driver for CUDA {d / 1000}.{d % 1000 / 10} or newer)"
            : $"ISA {this} (newer than the drivers this build knows)";

    public override string ToString() => $"{Major}.{Minor}";

    [GeneratedRegex(@"^\s*\.version\s+(\d+)\.(\d+)", RegexOptions.Multiline)]
    private static partial Regex VersionDirective();
}
