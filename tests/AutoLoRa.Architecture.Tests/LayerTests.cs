using System.Reflection;

namespace AutoLoRa.Architecture.Tests;

/// <summary>
/// The layering of README.md's Architecture section, enforced: every product assembly uses (in its
/// compiled metadata) and references (in its csproj) only what <see cref="Layers"/> allows.
/// </summary>
public sealed class LayerTests
{
    public static TheoryData<string> ProductAssemblies => new(Layers.Allowed.Keys);

    [Theory]
    [MemberData(nameof(ProductAssemblies))]
    public void An_assembly_uses_only_the_assemblies_the_picture_allows(string name)
    {
        // The compiler keeps a reference in the metadata only when a type from it is used, so this
        // is what the code depends on, not what a project file happens to list.
        var used = Assembly.Load(name).GetReferencedAssemblies().Select(a => a.Name!).Where(IsProduct);
        AssertAllowed(name, used, "uses");
    }

    [Theory]
    [MemberData(nameof(ProductAssemblies))]
    public void A_project_references_only_the_projects_the_picture_allows(string name)
    {
        var (_, project) = RepositoryFiles.ProductProjects().Single(p => p.Assembly == name);
        AssertAllowed(name, RepositoryFiles.ProjectReferences(project), "references");
    }

    [Fact]
    public void Every_product_project_has_its_place_in_the_picture()
    {
        var unplaced = RepositoryFiles.ProductProjects().Select(p => p.Assembly).Where(a => !Layers.Allowed.ContainsKey(a)).ToArray();
        Assert.True(unplaced.Length == 0,
            $"{string.Join(", ", unplaced)} has no entry in Layers.Allowed: add it there and to README.md's Architecture picture.");
    }

    [Fact]
    public void Only_the_cli_draws_plots_or_parses_command_lines()
    {
        var offenders = (
            from name in Layers.Allowed.Keys
            where name != "autolora"
            from reference in Assembly.Load(name).GetReferencedAssemblies()
            where Layers.ScreenPackages.Contains(reference.Name)
            select $"{name} → {reference.Name}").ToArray();
        Assert.True(offenders.Length == 0, $"The library has no screen, but: {string.Join(", ", offenders)}.");
        var declared = (
            from p in RepositoryFiles.ProductProjects()
            where p.Assembly != "autolora"
            from reference in p.Project.Descendants("PackageReference")
            where Layers.ScreenPackages.Contains(reference.Attribute("Include")?.Value)
            select $"{p.Assembly} → {reference.Attribute("Include")!.Value}").ToArray();
        Assert.True(declared.Length == 0, $"The library has no screen, but: {string.Join(", ", declared)}.");
    }

    [Fact]
    public void No_product_assembly_opens_its_internals_to_the_cli_or_the_bench()
    {
        var opened = (
            from name in Layers.Allowed.Keys
            from attribute in Assembly.Load(name).GetCustomAttributes<System.Runtime.CompilerServices.InternalsVisibleToAttribute>()
            where Layers.NoInternalsFor.Contains(attribute.AssemblyName.Split(',')[0].Trim())
            select $"{name} → {attribute.AssemblyName}").ToArray();
        Assert.True(opened.Length == 0,
            $"The CLI and the bench use the public API only, but: {string.Join(", ", opened)}. Make what they need public instead.");
    }

    private static bool IsProduct(string assembly) => assembly == "autolora" || assembly.StartsWith("AutoLoRa.", StringComparison.Ordinal);

    private static void AssertAllowed(string name, IEnumerable<string> dependencies, string verb)
    {
        var allowed = Layers.Allowed[name];
        var forbidden = dependencies.Where(d => d != name && !allowed.Contains("*") && !allowed.Contains(d)).Distinct().ToArray();
        Assert.True(forbidden.Length == 0,
            $"{name} {verb} {string.Join(", ", forbidden)}, an arrow the architecture picture forbids " +
            "(README.md, Architecture; tests/AutoLoRa.Architecture.Tests/Layers.cs).");
    }
}
