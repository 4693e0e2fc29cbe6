namespace AutoLoRa.Packaging.Tests;

/// <summary>
/// A [Fact] that packs the build: AutoLoRa.Kernels cannot be packed without the native kernel build
/// (its pack step fails, naming the fix), so with AUTOLORA_ALLOW_NO_KERNELS=1 on a machine without
/// it the test is a visible skip, as the kernel tests are; otherwise a missing build fails the test.
/// </summary>
public sealed class PackagesFactAttribute : FactAttribute
{
    public PackagesFactAttribute()
    {
        if (SkipReason is { } why) Skip = why;
    }

    /// <summary>Why packing is skipped in this run, or null when it runs.</summary>
    public static string? SkipReason { get; } = FindSkipReason();

    private static string? FindSkipReason()
    {
        if (Environment.GetEnvironmentVariable("AUTOLORA_ALLOW_NO_KERNELS") != "1") return null;
        string kernels = Path.Combine(LocalFeed.Repository, "build", "kernels");
        bool ptx = Directory.Exists(Path.Combine(kernels, "ptx")) && Directory.EnumerateFiles(Path.Combine(kernels, "ptx"), "*.ptx").Any();
        bool host = File.Exists(Path.Combine(kernels, "host", "libautolora_kernels_host.so"));
        return ptx && host ? null : $"AUTOLORA_ALLOW_NO_KERNELS=1 and the kernels build left no {(ptx ? "host emulation library" : "PTX")} in {kernels}";
    }
}
