using System.Text.Json;

namespace AutoLoRa.Cli.Tests;

/// <summary>
/// <c>--data folder:DIR</c> end to end on generated PNGs: pre-training, fine-tuning with an in-model
/// resize, evaluation with PGD and an AutoAttack attack, and the corrupt-file policy. Images are served
/// at 16×16 (<c>--image-size</c>) so each verb runs in seconds.
/// </summary>
public sealed class FolderDataTests : IClassFixture<FolderDataTests.Workspace>
{
    private readonly Workspace _w;

    public FolderDataTests(Workspace workspace) => _w = workspace;

    /// <summary>The generated folder and one model pre-trained on it.</summary>
    public sealed class Workspace : IDisposable
    {
        public Workspace()
        {
            TinyFolder.Write(DataDir);
            Pretrain = CliRunner.Run(Root, "pretrain", "--arch", "resnet-mini", "--width", "4", "--data", Data, "--image-size", "16",
                "--epochs", "1", "--batch-size", "8", "--eps", "0.03", "--attack-steps", "1", "--run-dir", "pre");
        }

        public string Root { get; } = Directory.CreateTempSubdirectory("autolora-folder-").FullName;

        public string DataDir => Path.Combine(Root, "images");

        public string Data => "folder:" + DataDir;

        public CliRunner.Result Pretrain { get; }

        public string Backbone => Path.Combine(Root, "pre", "best.safetensors");

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    private CliRunner.Result Run(params string[] args) => CliRunner.Run(_w.Root, args);

    [Fact]
    public void Pretraining_reads_the_folder_with_its_classes()
    {
        CliRunner.AssertOk(_w.Pretrain);
        Assert.Contains($"folder:{_w.DataDir}/train", _w.Pretrain.Output);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_w.Root, "pre", "config.json")));
        Assert.Equal(3, config.RootElement.GetProperty("model").GetProperty("Classes").GetInt32());
        // 24 training images, 5% held out for validation.
        Assert.Equal(23, config.RootElement.GetProperty("train_images").GetInt32());
        // Folder data always trains with the reference's augmentation (random resized crop and flip).
        Assert.True(config.RootElement.GetProperty("settings").GetProperty("HorizontalFlip").GetBoolean());
    }

    [Fact]
    public void Finetune_with_an_input_size_then_eval_clean_pgd_and_autoattack_skipping_the_corrupt_file()
    {
        CliRunner.AssertOk(_w.Pretrain);
        CliRunner.AssertOk(Run("finetune", "--method", "autolora", "--init", _w.Backbone, "--data", _w.Data, "--image-size", "16", "--input-size", "24",
            "--epochs", "1", "--batch-size", "8", "--eps", "0.03", "--attack-steps", "1", "--run-dir", "ft"));
        string model = Path.Combine(_w.Root, "ft", "best.safetensors");
        var inspect = Run("inspect", model);
        CliRunner.AssertOk(inspect);
        Assert.Contains("inputs resized to 24x24", inspect.Output);

        var eval = Run("eval", model, "--data", _w.Data, "--image-size", "16", "--attacks", "clean,pgd2,apgd-ce", "--eps", "0.03", "--run-dir", "ft-eval");
        CliRunner.AssertOk(eval);
        Assert.Contains(TinyFolder.Corrupt(_w.DataDir), eval.Output);
        Assert.Contains("left out 1 image(s)", eval.Output);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_w.Root, "ft-eval", "eval.json")));
        Assert.Equal(12, report.RootElement.GetProperty("points").GetInt32());
        double clean = report.RootElement.GetProperty("PGD-2").GetProperty("CleanAccuracy").GetDouble();
        Assert.InRange(report.RootElement.GetProperty("PGD-2").GetProperty("RobustAccuracy").GetDouble(), 0, clean);
        Assert.InRange(report.RootElement.GetProperty("AutoAttack (apgd-ce)").GetProperty("RobustAccuracy").GetDouble(), 0, clean);

        var strict = Run("eval", model, "--data", _w.Data, "--image-size", "16", "--attacks", "clean", "--corrupt-images", "fail", "--run-dir", "ft-strict");
        Assert.Equal(2, strict.ExitCode);
        Assert.Contains(TinyFolder.Corrupt(_w.DataDir), strict.Error);
        Assert.DoesNotContain("   at ", strict.All);
    }

    [Fact]
    public void A_robust_models_transfer_checkpoint_fine_tunes_on_folder_data_with_an_input_resize()
    {
        // The layout users download as .ckpt: {"model": {"module.model.…", "module.attacker.model.…", "module.normalizer.…"}, "epoch", …}.
        string ckpt = Path.Combine(_w.Root, "resnet-rmt.ckpt");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "rmt_style_zip.pt"), ckpt, overwrite: true);
        var finetune = Run("finetune", "--method", "vanilla", "--init", ckpt, "--data", _w.Data, "--image-size", "16", "--input-size", "24",
            "--epochs", "1", "--batch-size", "8", "--eps", "0.03", "--attack-steps", "1", "--run-dir", "ft-rmt");
        CliRunner.AssertOk(finetune);
        var inspect = Run("inspect", Path.Combine(_w.Root, "ft-rmt", "best.safetensors"));
        CliRunner.AssertOk(inspect);
        // The checkpoint's architecture (a width-1 mini ResNet), fine-tuned to the folder's 3 classes.
        Assert.Contains("model: resnet-mini, width 1, 3 input channels, 3 classes", inspect.Output);
        Assert.Contains("inputs resized to 24x24", inspect.Output);
    }
}
