namespace AutoLoRa.Packaging.Tests;

/// <summary>The autolora .NET tool, installed from the local feed as the README says, runs — with its kernels.</summary>
[Collection(PackagesCollection.Name)]
public sealed class ToolTests(LocalFeed feed)
{
    [PackagesFact]
    public void Tool_installed_from_the_feed_runs_its_selftest_and_finds_its_kernels()
    {
        string tools = Path.Combine(feed.Root, "tools");
        Dotnet.Run("dotnet", ["tool", "install", "--tool-path", tools, "AutoLoRa.Cli", "--version", feed.Version],
            feed.Root, feed.Environment, TimeSpan.FromMinutes(3)).AssertOk("dotnet tool install AutoLoRa.Cli");
        string autolora = Path.Combine(tools, "autolora");

        var version = Dotnet.Run(autolora, ["--version"], feed.Root, feed.Environment, TimeSpan.FromMinutes(1)).AssertOk("autolora --version");
        Assert.StartsWith(feed.Version, version.Output.Trim(), StringComparison.Ordinal);
        Dotnet.Run(autolora, ["selftest", "--backend", "cpu"], feed.Root, feed.Environment, TimeSpan.FromMinutes(2)).AssertOk("autolora selftest --backend cpu");

        // The kernels check names the embedded PTX and the host library's exports; the rest of the
        // emulated selftest takes minutes, so the run stops there.
        string? kernels = Dotnet.RunUntil(autolora, ["selftest", "--backend", "cuda-emu"], feed.Root, feed.Environment,
            "  [ok] kernels", TimeSpan.FromMinutes(1), out string printed);
        Assert.True(kernels is not null, $"the tool's cuda-emu selftest did not pass its kernels check:\n{printed}");
        Assert.Contains("PTX sm_", kernels, StringComparison.Ordinal);
    }

    [PackagesFact]
    public void Every_product_project_is_packed()
    {
        // AutoLoRa.Packages.slnf is what `dotnet pack` is given (README); a new src/ project must be in it.
        string filter = File.ReadAllText(Path.Combine(LocalFeed.Repository, "AutoLoRa.Packages.slnf")).Replace(@"\\", "/", StringComparison.Ordinal);
        var missing = Directory.GetFiles(Path.Combine(LocalFeed.Repository, "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(LocalFeed.Repository, p).Replace('\\', '/'))
            .Where(p => !p.Contains("Generator", StringComparison.Ordinal) && !filter.Contains(p, StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, $"not in AutoLoRa.Packages.slnf (add them): {string.Join(", ", missing)}");
        Assert.NotEmpty(Directory.GetFiles(feed.Feed, "AutoLoRa.Kernels.*.nupkg"));
    }
}
