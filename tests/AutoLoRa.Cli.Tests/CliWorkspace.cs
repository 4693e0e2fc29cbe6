namespace AutoLoRa.Cli.Tests;

/// <summary>
/// A temp folder with tiny MNIST-format data and one model pre-trained on it (into "pre") with the
/// given flags, shared by the tests of a class as its fixture.
/// </summary>
public abstract class CliWorkspace : IDisposable
{
    protected CliWorkspace(string prefix, params string[] pretrainFlags)
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        TinyMnist.Write(DataDir);
        Pretrain = CliRunner.Run(Root, ["pretrain", "--data", Data, "--run-dir", "pre", .. pretrainFlags]);
    }

    public string Root { get; }

    public string DataDir => Path.Combine(Root, "mnist");

    public string Data => "mnist:" + DataDir;

    public CliRunner.Result Pretrain { get; }

    public string Backbone => Path.Combine(Root, "pre", "best.safetensors");

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
