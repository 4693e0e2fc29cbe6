namespace AutoLoRa.Cuda.Tests;

/// <summary>The checkout's kernels/ folder, for tests that read the .cu files themselves.</summary>
internal static class KernelSourceFiles
{
    /// <summary>The checkout this test was built from: the first folder above the test binaries that holds kernels/ and the solution.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "kernels")) && File.Exists(Path.Combine(dir.FullName, "AutoLoRa.Native.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no folder above {AppContext.BaseDirectory} holds kernels/ and AutoLoRa.Native.sln");
    }

    public static IEnumerable<string> CudaFiles() => Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "kernels"), "*.cu");
}
