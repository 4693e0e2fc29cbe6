using System.Xml.Linq;

namespace AutoLoRa.Architecture.Tests;

/// <summary>The product projects as declared in src/*/*.csproj, read from the checkout the tests were built from.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// Every product project: its assembly name and its csproj document. Source generators
    /// (IsRoslynComponent, e.g. AutoLoRa.Kernels.Generator) run inside the compiler and ship in no
    /// product, so they are build tools, not floors of the picture.
    /// </summary>
    public static IEnumerable<(string Assembly, XDocument Project)> ProductProjects() =>
        Directory.GetFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(path => (Path.GetFileNameWithoutExtension(path), XDocument.Load(path)))
            .Where(p => p.Item2.Descendants("IsRoslynComponent").FirstOrDefault()?.Value != "true")
            .Select(p => (p.Item2.Descendants("AssemblyName").FirstOrDefault()?.Value ?? p.Item1, p.Item2));

    /// <summary>The assembly names of the projects a csproj references (analyzer references, which load only into the compiler, left out).</summary>
    public static IEnumerable<string> ProjectReferences(XDocument project) =>
        project.Descendants("ProjectReference")
            .Where(r => r.Attribute("OutputItemType")?.Value != "Analyzer")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
            .Select(name => name == "AutoLoRa.Cli" ? "autolora" : name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AutoLoRa.Native.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No AutoLoRa.Native.sln above {AppContext.BaseDirectory}.");
    }
}
