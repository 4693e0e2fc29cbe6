using System.Globalization;
using System.Text.RegularExpressions;

namespace AutoLoRa.Packaging.Tests;

/// <summary>
/// tests/AutoLoRa.Sample, the README's "Use it from C#", built as a user builds it — a project of its
/// own outside the repository, with PackageReferences resolved from the local feed — and run.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed partial class SampleTests(LocalFeed feed)
{
    private static readonly string[] SampleFiles = ["Program.cs", "AutoLoRa.Sample.csproj", "Directory.Build.props"];

    [PackagesFact]
    public void Sample_built_from_the_packages_fine_tunes_and_evaluates_on_a_tiny_slice()
    {
        string bin = Build();
        string runs = Path.Combine(feed.Root, "runs");
        var run = Dotnet.Run("dotnet", [Path.Combine(bin, "AutoLoRa.Sample.dll"), "--images", "256", "--out", runs],
            feed.Root, feed.Environment, TimeSpan.FromMinutes(2)).AssertOk("the sample");

        var scores = TestLine().Match(run.Output);
        Assert.True(scores.Success, $"no test accuracy line in:\n{run.Output}");
        foreach (var group in new[] { "clean", "pgd" })
        {
            double percent = double.Parse(scores.Groups[group].Value, CultureInfo.InvariantCulture);
            Assert.InRange(percent, 0, 100);
        }
        Assert.True(File.Exists(Path.Combine(runs, "pretrain", "model.safetensors")), run.Output);
        Assert.True(File.Exists(Path.Combine(runs, "autolora", "best.safetensors")), run.Output);
    }

    [PackagesFact]
    public void Sample_opens_the_emulated_cuda_backend_from_the_packages_native_asset()
    {
        string bin = Build();
        // A portable app gets the host kernel library under runtimes/<rid>/native/, not beside its dll.
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(bin, "runtimes"), "libautolora_kernels_host.so", SearchOption.AllDirectories));
        // The backend line comes after the emulated runtime loaded that library; training on the
        // emulation would take minutes, so the run stops there.
        string? line = Dotnet.RunUntil("dotnet", [Path.Combine(bin, "AutoLoRa.Sample.dll"), "--backend", "cuda-emu", "--out", Path.Combine(feed.Root, "runs-emu")],
            feed.Root, feed.Environment, "backend: cuda-emu", TimeSpan.FromMinutes(1), out string printed);
        Assert.True(line is not null, $"the sample did not open cuda-emu:\n{printed}");
    }

    /// <summary>Copies the sample into its own folder and builds it against the feed (once per run); returns its output folder.</summary>
    private string Build()
    {
        string project = Path.Combine(feed.Root, "sample");
        string bin = Path.Combine(feed.Root, "sample-bin");
        if (File.Exists(Path.Combine(bin, "AutoLoRa.Sample.dll"))) return bin;
        Directory.CreateDirectory(project);
        foreach (var file in SampleFiles) File.Copy(Path.Combine(LocalFeed.Repository, "tests", "AutoLoRa.Sample", file), Path.Combine(project, file));
        Dotnet.Run("dotnet", ["build", project, "-c", "Release", "-o", bin, $"-p:AutoLoRaVersion={feed.Version}", $"-p:AutoLoRaFeed={feed.Feed}", "-nodeReuse:false"],
            feed.Root, feed.Environment, TimeSpan.FromMinutes(3)).AssertOk("dotnet build of the sample");
        return bin;
    }

    [GeneratedRegex(@"^test \(\d+ images of classes 5-9\): clean (?<clean>\d+\.\d)%, PGD-20 (?<pgd>\d+\.\d)%$", RegexOptions.Multiline)]
    private static partial Regex TestLine();
}
