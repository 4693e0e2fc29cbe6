using System.Text.RegularExpressions;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// KernelTraffic is the one definition of each kernel's bytes per element; the kernels' own
/// "Traffic" comment blocks must say the same, kernel by kernel, so the bench's GB/s and the
/// documented bandwidth bound cannot drift apart.
/// </summary>
public sealed partial class KernelTrafficTests
{
    [Fact]
    public void Every_launched_kernel_has_a_figure_and_every_figure_a_kernel()
    {
        var launched = KernelTable.Families.Values.SelectMany(k => k).Order(StringComparer.Ordinal);
        Assert.Equal(launched, KernelTraffic.PerElement.Keys.Order(StringComparer.Ordinal));
        Assert.All(KernelTraffic.PerElement.Values, f => Assert.True(f.ReadBytes > 0 && f.WriteBytes > 0));
    }

    [Fact]
    public void Each_kernel_file_states_the_figures_of_its_family()
    {
        string kernels = Path.Combine(RepositoryRoot(), "kernels");
        foreach (var (family, names) in KernelTable.Families)
        {
            string file = Path.Combine(kernels, family + ".cu");
            string comments = string.Join('\n', File.ReadLines(file).Where(l => l.StartsWith("//", StringComparison.Ordinal)));
            int block = comments.IndexOf("// Traffic, bytes per element read + written", StringComparison.Ordinal);
            Assert.True(block >= 0, $"{file} has no Traffic comment block");
            var stated = FigureRegex().Matches(comments[block..])
                .ToDictionary(m => m.Groups[1].Value, m => new KernelTraffic.Figure(int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value)));
            Assert.Equal(names.Order(StringComparer.Ordinal), stated.Keys.Order(StringComparer.Ordinal));
            foreach (var name in names) Assert.True(stated[name] == KernelTraffic.Of(name), $"{file}: {name} says {stated[name]}, KernelTraffic {KernelTraffic.Of(name)}");
        }
    }

    [GeneratedRegex(@"\b(\w+_f32) (\d+) \+ (\d+)\b")]
    private static partial Regex FigureRegex();

    /// <summary>The checkout this test was built from: the first folder above the test binaries that holds kernels/ and the solution.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "kernels")) && File.Exists(Path.Combine(dir.FullName, "AutoLoRa.Native.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no folder above {AppContext.BaseDirectory} holds kernels/ and AutoLoRa.Native.sln");
    }
}
