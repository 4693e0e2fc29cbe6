using System.Reflection;
using System.Xml.Linq;

namespace AutoLoRa.Packaging.Tests;

/// <summary>
/// The packages of this build in a temporary local feed, and what a user needs to consume them: a
/// nuget.config that takes AutoLoRa.* from that feed only (<see cref="NuGetConfig"/>), and a private
/// packages folder, so that a package packed again under the same version is never read from an
/// older extraction. Packed once per test run.
/// </summary>
public sealed class LocalFeed : IDisposable
{
    public LocalFeed()
    {
        Root = Directory.CreateTempSubdirectory("autolora-packaging-").FullName;
        Feed = Path.Combine(Root, "feed");
        Version = (string?)XDocument.Load(Path.Combine(Repository, "version.props")).Descendants("AutoLoRaVersion").SingleOrDefault()
                  ?? throw new InvalidDataException("version.props has no <AutoLoRaVersion>.");
        File.WriteAllText(Path.Combine(Root, "nuget.config"), NuGetConfig(Feed));
        if (PackagesFactAttribute.SkipReason is not null) return; // xunit builds the fixture even when every test is skipped
        string configuration = typeof(LocalFeed).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        // --no-build: the packages hold exactly the assemblies this test run built and tests.
        Dotnet.Run("dotnet", ["pack", Path.Combine(Repository, "AutoLoRa.Packages.slnf"), "-c", configuration, "--no-build", "-o", Feed, "-nodeReuse:false"],
            Repository, Environment, TimeSpan.FromMinutes(4)).AssertOk("dotnet pack AutoLoRa.Packages.slnf");
    }

    /// <summary>The repository root (the folder of AutoLoRa.Native.sln above this test's output).</summary>
    public static string Repository { get; } = FindRepository();

    /// <summary>The temporary folder: nuget.config, feed/, and whatever the tests build or install there.</summary>
    public string Root { get; }

    public string Feed { get; }

    /// <summary>The packages' version, from version.props.</summary>
    public string Version { get; }

    /// <summary>A user's shell for `dotnet` commands run under <see cref="Root"/>.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["NUGET_PACKAGES"] = Path.Combine(Root, "packages"),
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        // No MSBuild node outlives a command (and keeps files of the temporary folder open).
        ["MSBUILDDISABLENODEREUSE"] = "1",
    };

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { } // a process that was killed may still hold a file for a moment: the OS cleans /tmp
    }

    /// <summary>
    /// AutoLoRa.* from <paramref name="feed"/> only; the rest from this machine's package cache, which
    /// the solution's restore filled with every package the libraries and the tool depend on, read as a
    /// local feed — so nothing is fetched and the result does not depend on the network. nuget.org
    /// stands in only where there is no cache yet.
    /// </summary>
    private static string NuGetConfig(string feed)
    {
        string cache = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                       ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string others = Directory.Exists(cache) ? cache : "https://api.nuget.org/v3/index.json";
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="autolora" value="{feed}" />
                <add key="others" value="{others}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="autolora"><package pattern="AutoLoRa.*" /></packageSource>
                <packageSource key="others"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """;
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AutoLoRa.Native.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"No AutoLoRa.Native.sln above {AppContext.BaseDirectory}: run these tests from the repository's build.");
    }
}

/// <summary>The tests that share one <see cref="LocalFeed"/>, one after another (each builds or installs from it).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackagesCollection : ICollectionFixture<LocalFeed>
{
    public const string Name = "packages";
}
