using System.Text.Json;
using static AutoLoRa.Cli.Tests.CliRunner;

namespace AutoLoRa.Cli.Tests;

/// <summary>
/// A vision transformer through the verbs on tiny 28×28 data: pre-training lays the vit-mini's grid
/// out for the images, fine-tuning takes --lora-targets and --optimizer, evaluation and inspection
/// read the files, and TWINS is refused with the reason.
/// </summary>
public sealed class VitCliTests : IClassFixture<VitCliTests.Workspace>
{
    private readonly Workspace _w;

    public VitCliTests(Workspace workspace) => _w = workspace;

    /// <summary>Tiny MNIST-format data and a vit-mini pre-trained on it for one epoch (AdamW, as ViTs train from scratch).</summary>
    public sealed class Workspace() : CliWorkspace("autolora-vit-cli-", "--arch", "vit-mini", "--epochs", "1", "--batch-size", "16",
        "--eps", "0.1", "--attack-steps", "1", "--optimizer", "adamw", "--lr", "0.001");

    private CliRunner.Result Run(params string[] args) => CliRunner.Run(_w.Root, args);

    [Fact]
    public void PretrainLaysTheGridOutForTheImages()
    {
        AssertOk(_w.Pretrain);
        Assert.Contains("vit-mini (28×28 images", _w.Pretrain.Output);
        var model = AutoLoRa.Formats.SafeTensors.Read(_w.Backbone);
        Assert.Equal([1L, 50L, 64L], model["pos_embed"].Shape.ToArray());
    }

    [Fact]
    public void FinetuneWithLoraTargetsAndAdamWThenEvalAndInspect()
    {
        const string dir = "ft-vit";
        AssertOk(Run("finetune", "--method", "autolora", "--init", _w.Backbone, "--data", _w.Data, "--classes", "5-9", "--epochs", "1",
            "--batch-size", "16", "--eps", "0.1", "--attack-steps", "1", "--lora-targets", "qkv,fc1", "--optimizer", "adamw", "--lr", "0.0005",
            "--run-dir", dir));
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_w.Root, dir, "config.json"))))
        {
            var settings = config.RootElement.GetProperty("settings");
            Assert.Equal("AdamW", settings.GetProperty("Optimizer").GetString());
            Assert.Equal("qkv,fc1", settings.GetProperty("LoraTargets").GetString());
        }
        var checkpoint = AutoLoRa.Formats.SafeTensors.Read(Path.Combine(_w.Root, dir, "checkpoint.safetensors"));
        Assert.Contains(checkpoint.Entries, e => e.Name == "model.blocks.0.attn.qkv.lora_A");
        Assert.DoesNotContain(checkpoint.Entries, e => e.Name == "model.blocks.0.attn.proj.lora_A");
        Assert.Contains(checkpoint.Entries, e => e.Name == "optim.blocks.0.attn.qkv.lora_B.exp_avg");

        string model = Path.Combine(_w.Root, dir, "best.safetensors");
        AssertOk(Run("eval", model, "--data", _w.Data, "--classes", "5-9", "--attacks", "clean,pgd3", "--eps", "0.1", "--n", "16", "--run-dir", dir + "-eval"));
        var inspect = Run("inspect", model);
        AssertOk(inspect);
        Assert.Contains("vit-mini", inspect.Output);
    }

    /// <summary>demo --arch vit --quick on the tiny data: the vit-mini plan's phases run (AdamW, no step decay) and print the demo's table with both methods.</summary>
    [Fact]
    public void DemoQuickRunsTheVitOnGivenData()
    {
        var r = Run("demo", "--arch", "vit", "--quick", "--data", _w.DataDir, "--run-dir", "demo", "--backend", "cpu");
        AssertOk(r);
        Assert.Contains("(vit-mini)", r.Output);
        Assert.Contains("AutoAttack acc (first 10)", r.Output);
        Assert.Contains("Vanilla RFT", r.Output);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(_w.Root, "demo", "vit-quick", "results.json")));
        Assert.Equal(2, results.RootElement.GetProperty("rows").GetArrayLength());
        Assert.Equal(10, results.RootElement.GetProperty("plan").GetProperty("AutoAttackImages").GetInt32());
        // AdamW at a fixed rate: no step decay milestones (the methods' SGD decays would cut it ÷100 within 3 epochs).
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_w.Root, "demo", "vit-quick", "pretrain", "config.json")));
        var settings = config.RootElement.GetProperty("settings");
        Assert.Equal("AdamW", settings.GetProperty("Optimizer").GetString());
        Assert.Equal(0, settings.GetProperty("LearningRateMilestones").GetArrayLength());
    }

    [Fact]
    public void TwinsIsRefusedWithTheReason()
    {
        var r = Run("finetune", "--method", "twins", "--init", _w.Backbone, "--data", _w.Data, "--classes", "5-9", "--epochs", "1",
            "--batch-size", "16", "--run-dir", "ft-vit-twins");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("TWINS needs batch-norm", r.Error);
        Assert.DoesNotContain("   at ", r.All);
    }

    [Fact]
    public void AnUnknownLoraTargetIsAFlagError()
    {
        var unknown = Run("finetune", "--method", "autolora", "--init", _w.Backbone, "--data", _w.Data, "--lora-targets", "qkv,k", "--run-dir", "x");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--lora-targets 'k' is not a linear layer", unknown.Error);
    }
}
