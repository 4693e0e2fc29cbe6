namespace AutoLoRa.Packaging.Tests;

/// <summary>README's "Use it from C#" shows the sample the other tests build and run, not a copy that drifts.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void Readme_shows_the_sample_program_as_it_is()
    {
        string readme = File.ReadAllText(Path.Combine(LocalFeed.Repository, "README.md")).ReplaceLineEndings("\n");
        string program = File.ReadAllText(Path.Combine(LocalFeed.Repository, "tests", "AutoLoRa.Sample", "Program.cs")).ReplaceLineEndings("\n").TrimEnd('\n');
        int marker = readme.IndexOf("<!-- sample-program -->\n```csharp\n", StringComparison.Ordinal);
        Assert.True(marker >= 0, "README.md has no <!-- sample-program --> followed by a csharp block.");
        int start = readme.IndexOf('\n', readme.IndexOf("```csharp", marker, StringComparison.Ordinal)) + 1;
        int end = readme.IndexOf("\n```\n", start, StringComparison.Ordinal);
        Assert.True(readme[start..end] == program,
            "README.md's sample block differs from tests/AutoLoRa.Sample/Program.cs: paste the file between the markers.");
    }
}
