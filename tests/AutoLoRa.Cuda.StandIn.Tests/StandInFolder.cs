namespace AutoLoRa.Tests.Support;

/// <summary>
/// The standins/ folder beside a test assembly, where the test project's build copies the CUDA (and
/// NCCL) stand-in libraries the CMake step of src/AutoLoRa.Kernels built, and why a set of them is
/// missing. Compiled into every test project that runs the stand-ins (linked, not referenced, so a
/// project needs no other test project to use it).
/// </summary>
internal static class StandInFolder
{
    /// <summary>The folder: standins/ beside the running test assembly.</summary>
    public static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "standins");

    /// <summary>The full path of <paramref name="library"/> in the folder.</summary>
    public static string Of(string library) => System.IO.Path.Combine(Path, library);

    /// <summary>
    /// Null when every one of <paramref name="libraries"/> is in the folder; else why not: the CMake
    /// step's SKIPPED.txt when it wrote one (no compiler, no cmake), or the files that are missing.
    /// </summary>
    public static string? MissingReason(params string[] libraries)
    {
        string skipped = Of("SKIPPED.txt");
        if (File.Exists(skipped)) return File.ReadAllText(skipped).Trim();
        var missing = libraries.Where(f => !File.Exists(Of(f))).ToArray();
        return missing.Length == 0 ? null
            : $"CUDA stand-ins not built ({string.Join(", ", missing)} missing): cmake and a C++ compiler build them with src/AutoLoRa.Kernels.";
    }
}
