namespace AutoLoRa.Cli.Tests;

/// <summary>
/// The import library names its settings by property (<c>ImportSettings.Architecture</c>); <c>convert</c>
/// must say them as its own flags, and other commands as convert's.
/// </summary>
public sealed class ConvertErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("autolora-convert-errors-").FullName;
    private static readonly string Checkpoint = Path.Combine(AppContext.BaseDirectory, "Fixtures", "rmt_style_zip.pt");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("--arch|resnet18", "(the weights look like resnet-mini: check --arch)")]
    [InlineData("--width|2", "(leave --width out)")]
    [InlineData("--classes|-1", "(leave --classes out)")]
    [InlineData("--classes|1000000", "(leave --classes out)")]
    [InlineData("--stem|tiny", "autolora: --stem 'tiny' is unknown; choose imagenet or cifar.")]
    [InlineData("--norm|imagenet3", "autolora: --norm 'imagenet3' is unknown; choose imagenet, inception, cifar or none.")]
    public void Convert_names_its_own_flags(string flag, string expected)
    {
        var r = CliRunner.Run(_dir, ["convert", Checkpoint, Path.Combine(_dir, "out.safetensors"), .. flag.Split('|')]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Error);
        Assert.DoesNotContain("Architecture", r.Error);
        Assert.DoesNotContain("Normalization", r.Error);
    }
}
