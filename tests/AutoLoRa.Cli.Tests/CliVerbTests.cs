using System.Text.Json;
using System.Text.RegularExpressions;
using AutoLoRa.Cpu;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Training.Recipes.Settings;
using static AutoLoRa.Cli.Tests.CliRunner;

namespace AutoLoRa.Cli.Tests;

/// <summary>
/// Every verb end to end on tiny generated data, in the order a user chains them (pretrain →
/// finetune → eval/inspect/plot), plus the error paths a user can hit.
/// </summary>
public sealed class CliVerbTests : IClassFixture<CliVerbTests.Workspace>
{
    private readonly Workspace _w;

    public CliVerbTests(Workspace workspace) => _w = workspace;

    /// <summary>Tiny MNIST-format data and a resnet-mini pre-trained on it for one epoch.</summary>
    public sealed class Workspace() : CliWorkspace("autolora-cli-", "--arch", "resnet-mini", "--width", "4", "--epochs", "1",
        "--batch-size", "16", "--eps", "0.1", "--attack-steps", "2");

    private CliRunner.Result Run(params string[] args) => CliRunner.Run(_w.Root, args);

    [Fact]
    public void PretrainWritesModelsAndLog()
    {
        CliRunner.AssertOk(_w.Pretrain);
        Assert.True(File.Exists(_w.Backbone));
        Assert.Single(File.ReadAllLines(Path.Combine(_w.Root, "pre", "log.jsonl")));
        Assert.Contains("pretrain epoch 1", _w.Pretrain.Output);
    }

    [Theory]
    [InlineData("autolora")]
    [InlineData("vanilla")]
    [InlineData("natural")]
    [InlineData("twins")]
    public void FinetuneEachMethodThenEvalInspectPlot(string method)
    {
        string dir = "ft-" + method;
        CliRunner.AssertOk(Run("finetune", "--method", method, "--init", _w.Backbone, "--data", _w.Data, "--classes", "5-9", "--epochs", "1",
            "--batch-size", "16", "--eps", "0.1", "--attack-steps", "2", "--run-dir", dir));
        string model = Path.Combine(_w.Root, dir, "best.safetensors");

        var eval = Run("eval", model, "--data", _w.Data, "--classes", "5-9", "--attacks", "clean,pgd3,apgd-ce", "--eps", "0.1", "--pgd-step", "0.01", "--n", "20", "--run-dir", dir + "-eval");
        CliRunner.AssertOk(eval);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_w.Root, dir + "-eval", "eval.json")));
        Assert.Equal(20, report.RootElement.GetProperty("points").GetInt32());
        Assert.Equal(0.01f, report.RootElement.GetProperty("pgd_step").GetSingle());
        double clean = report.RootElement.GetProperty("PGD-3").GetProperty("CleanAccuracy").GetDouble();
        double pgd = report.RootElement.GetProperty("PGD-3").GetProperty("RobustAccuracy").GetDouble();
        Assert.InRange(pgd, 0, clean);

        var inspect = Run("inspect", Path.Combine(_w.Root, dir, "checkpoint.safetensors"));
        CliRunner.AssertOk(inspect);
        Assert.Contains($"run checkpoint: method {method}", inspect.Output);

        CliRunner.AssertOk(Run("plot", dir));
        var png = File.ReadAllBytes(Path.Combine(_w.Root, dir, "plot.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    private static string[] Finetune(string method, string dir, params string[] extra) =>
        ["finetune", "--method", method, "--classes", "5-9", "--batch-size", "16", "--eps", "0.1", "--attack-steps", "2", "--run-dir", dir, .. extra];

    private List<JsonElement> Log(string dir) =>
        File.ReadAllLines(Path.Combine(_w.Root, dir, "log.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static float Scalar(JsonElement epoch, string name) => epoch.GetProperty("Scalars").GetProperty(name).GetSingle();

    [Fact]
    public void TwinsWithAutoScalarsTracksGradientSimilarityAndAnalyzeReadsTheRun()
    {
        const string dir = "ft-twins-auto";
        AssertOk(Run(Finetune("twins", dir, "--init", _w.Backbone, "--data", _w.Data, "--epochs", "2", "--gamma", "0.5",
            "--auto-scalars", "--track-grad-sim", "--grad-sim-batches", "1")));
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_w.Root, dir, "config.json"))))
        {
            var settings = config.RootElement.GetProperty("settings");
            Assert.Equal(0.5f, settings.GetProperty("Gamma").GetSingle());
            Assert.True(settings.GetProperty("AutoScalars").GetBoolean());
        }
        var log = Log(dir);
        Assert.Equal(2, log.Count);
        foreach (var epoch in log)
        {
            // λ1 = 1 − SA and λ2 = 6·SA, SA being the model's own clean training accuracy.
            float sa = Scalar(epoch, "sa_nat");
            Assert.Equal(1 - sa, Scalar(epoch, "lambda1"), 5);
            Assert.Equal(6 * sa, Scalar(epoch, "lambda2"), 4);
            var pair = Assert.Single(epoch.GetProperty("GradientSimilarity").EnumerateArray());
            Assert.Equal("natural vs adversarial", pair.GetProperty("Pair").GetString());
            Assert.InRange(pair.GetProperty("Mean").GetSingle(), -1f, 1f);
        }

        var analysis = Run("analyze", "grad-sim", dir, "--data", _w.Data, "--classes", "5-9", "--batches", "1", "--batch-size", "16",
            "--eps", "0.1", "--attack-steps", "2");
        AssertOk(analysis);
        Assert.Contains("mean ± std", analysis.Output);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_w.Root, dir, "grad-sim.json")));
        Assert.Equal("twins", report.RootElement.GetProperty("method").GetString());
        var layers = Assert.Single(report.RootElement.GetProperty("pairs").EnumerateArray()).GetProperty("Layers");
        Assert.Contains(layers.EnumerateArray(), l => l.GetProperty("Layer").GetString() == "layer1.0.conv1");
        var png = File.ReadAllBytes(Path.Combine(_w.Root, dir, "grad-sim.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        AssertOk(Run("plot", dir));
    }

    [Fact]
    public void AnalyzeComparesAutoLorasObjectivePairsOnABackbone()
    {
        var r = Run("analyze", "grad-sim", _w.Backbone, "--data", _w.Data, "--method", "autolora", "--batches", "1", "--batch-size", "16",
            "--eps", "0.1", "--attack-steps", "2", "--out", "gradsim-backbone");
        AssertOk(r);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_w.Root, "gradsim-backbone", "grad-sim.json")));
        var pairs = report.RootElement.GetProperty("pairs").EnumerateArray().Select(p => p.GetProperty("Pair").GetString()).ToList();
        Assert.Equal(["adversarial CE vs KL", "natural vs adversarial"], pairs);
        Assert.Contains("lambda1", report.RootElement.GetProperty("scalars").EnumerateObject().Select(p => p.Name));
    }

    /// <summary>The ablation flags of finetune reach the trainer: the logged learning rates and λ values and the LoRA shapes show them.</summary>
    [Fact]
    public void AblationFlagsReachTheTrainer()
    {
        const string fixedDir = "ft-ablation-fixed";
        AssertOk(Run(Finetune("autolora", fixedDir, "--init", _w.Backbone, "--data", _w.Data, "--epochs", "2",
            "--lr", "0.02", "--lr-milestones", "1", "--lambda1", "0.3", "--lambda2", "2", "--rank", "3")));
        var log = Log(fixedDir);
        Assert.Equal(0.02f, log[0].GetProperty("LearningRate").GetSingle(), 6);
        Assert.Equal(0.002f, log[1].GetProperty("LearningRate").GetSingle(), 6);
        Assert.All(log, e => Assert.Equal(0.3f, Scalar(e, "lambda1")));
        Assert.All(log, e => Assert.Equal(2f, Scalar(e, "lambda2")));
        var model = AutoLoRa.Formats.SafeTensors.Read(Path.Combine(_w.Root, fixedDir, "model.safetensors"));
        // Rank 3 on a 3×3 convolution of width 4: A is (r·k, Cin·k) = (9, 12).
        Assert.Equal([9L, 12L], model["layer1.0.conv1.lora_A"].Shape.ToArray());

        const string autoDir = "ft-ablation-auto";
        AssertOk(Run(Finetune("autolora", autoDir, "--init", _w.Backbone, "--data", _w.Data, "--epochs", "1",
            "--lambda2-max", "4", "--alpha", "2")));
        var epoch = Assert.Single(Log(autoDir));
        float sa = Scalar(epoch, "sa_nat");
        Assert.InRange(sa, 0.01f, 1f);
        Assert.Equal(1 - sa * sa, Scalar(epoch, "lambda1"), 5);
        Assert.Equal(4 * sa * sa, Scalar(epoch, "lambda2"), 4);
    }

    [Fact]
    public void DemoQuickRunsOnGivenData()
    {
        var r = Run("demo", "--quick", "--data", _w.DataDir, "--run-dir", "demo");
        CliRunner.AssertOk(r);
        Assert.Contains("AutoLoRa", r.Output);
        Assert.Contains("Vanilla RFT", r.Output);
        Assert.True(File.Exists(Path.Combine(_w.Root, "demo", "quick", "results.json")));
    }

    [Fact]
    public void BenchStepPrintsOneJsonLine()
    {
        var r = Run("bench", "step", "--workload", "r18w16-b64", "--step", "infer", "--steps", "1", "--warmup", "0", "--json", "--backend", "cpu");
        CliRunner.AssertOk(r);
        using var line = JsonDocument.Parse(r.Output.Trim());
        Assert.Equal("r18w16-b64", line.RootElement.GetProperty("workload").GetString());
        Assert.True(line.RootElement.GetProperty("median_s").GetDouble() > 0);
        // The machine the figure came from, so figures from different CPUs are never compared.
        Assert.Equal(CpuIdentity.Current.ToString(), line.RootElement.GetProperty("cpu").GetString());
        Assert.Equal(CpuIdentity.Current.Key, line.RootElement.GetProperty("cpu_key").GetString());
        Assert.True(line.RootElement.GetProperty("conv_autotune").GetBoolean());
    }

    [Fact]
    public void BenchStepRefusesRanksBelowOne()
    {
        var r = Run("bench", "step", "--ranks", "0", "--backend", "cpu");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--ranks must be at least 1 (got 0)", r.All);
    }

    [Fact]
    public void BenchConvNamesTheCpuAndEachPassAlgorithm()
    {
        var r = Run("bench", "conv", "--workload", "r18w16-b64", "--reps", "1", "--no-autotune", "--backend", "cpu");
        CliRunner.AssertOk(r);
        Assert.Contains($"cpu: {CpuIdentity.Current}", r.Output);
        Assert.Contains("algorithms fixed (--no-autotune)", r.Output);
        // Without autotuning the fixed rule decides: the stem (3 input channels) cannot use Winograd, and its
        // 32-pixel rows are whole vectors, so all three passes run directly.
        Assert.Matches(@"stem .* direct / direct / direct", r.Output);
    }

    [Fact]
    public void BenchConvLayerTimesOnlyTheNamedLayers()
    {
        var r = Run("bench", "conv", "--workload", "r18w16-b64", "--reps", "1", "--no-autotune", "--backend", "cpu", "--layer", "stem", "layer2.0sc");
        CliRunner.AssertOk(r);
        var rows = r.Output.Split('\n').Where(l => Regex.IsMatch(l, @"^(stem|layer)\S*\s+\d+×")).Select(l => l.Split(' ')[0]).ToArray();
        Assert.Equal(["stem", "layer2.0sc"], rows);
    }

    [Fact]
    public void BenchConvRejectsAnUnknownLayerAndListsTheKnownOnes()
    {
        var r = Run("bench", "conv", "--workload", "r18w16-b64", "--backend", "cpu", "--layer", "layer9");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--layer layer9: no such layer in r18w16-b64; its layers are stem, layer1, layer2.0a", r.All);
    }

    [Fact]
    public void BenchConvCandidatesPrintTheChosenTimeRelativeToTheBest()
    {
        var r = Run("bench", "conv", "--workload", "r18w16-b64", "--reps", "1", "--candidates", "--no-autotune", "--backend", "cpu");
        CliRunner.AssertOk(r);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        // A layer's row ends with its three passes' algorithms (the header's "(forward / data / filter)" does not match).
        const string Algorithms = @"\s([a-z0-9?-]+) / ([a-z0-9?-]+) / ([a-z0-9?-]+)$";
        string[] chosen = [];
        int passes = 0;
        foreach (var line in r.Output.Split('\n'))
        {
            var layer = Regex.Match(line, Algorithms);
            if (!line.StartsWith(' ') && layer.Success) chosen = [layer.Groups[1].Value, layer.Groups[2].Value, layer.Groups[3].Value];
            var row = Regex.Match(line, @"^\s+(forward|data|filter)\s+(.+); chosen/best (\d+\.\d\d)( \(over 1\.03\))?$");
            if (!row.Success) continue;
            // The printed ratio is the best candidate's printed rate over the chosen one's (GFLOP/s to 0.1).
            var rates = row.Groups[2].Value.Split(", ").Select(c => c.Split(' ')).ToDictionary(c => c[0], c => double.Parse(c[1], inv));
            string mine = chosen[Array.IndexOf(["forward", "data", "filter"], row.Groups[1].Value)];
            double ratio = double.Parse(row.Groups[3].Value, inv);
            // Slack: the ratio's own rounding to 0.01, and the rates' to 0.1 carried through the division.
            double best = rates.Values.Max(), expected = best / rates[mine];
            double slack = 0.006 + expected * (0.05 / best + 0.05 / rates[mine]);
            Assert.InRange(ratio, expected - slack, expected + slack);
            if (ratio > 1.03) Assert.True(row.Groups[4].Success, $"not flagged: {line}");
            if (ratio < 1.03) Assert.False(row.Groups[4].Success, $"flagged: {line}");
            passes++;
        }
        // Every layer has its three passes timed, each with its chosen algorithm among the candidates.
        int layers = r.Output.Split('\n').Count(l => !l.StartsWith(' ') && Regex.IsMatch(l, Algorithms));
        Assert.True(layers > 0, r.Output);
        Assert.Equal(3 * layers, passes);
    }

    [Fact]
    public void BenchStepProfileChargesTheAttackAndTheLayers()
    {
        var r = Run("bench", "step", "--workload", "r18w16-b64", "--step", "vanilla", "--steps", "1", "--warmup", "0", "--profile", "--backend", "cpu");
        CliRunner.AssertOk(r);
        Assert.Contains("attack   Conv2dForward", r.Output);
        Assert.Contains("train    Conv2dBackwardFilter", r.Output);
        // In eval mode (the attack) a residual block runs as one fused op charged to the block; in
        // training mode each convolution is charged to itself. Which convolutions make the table's
        // top rows depends on the timings, so any one of them will do.
        Assert.Matches(@"(?m)^layer1\.0\s", r.Output);
        Assert.Matches(@"(?m)^layer\d\.\d\.conv\d\s", r.Output);
    }

    [Fact]
    public void BenchOverheadReportsTheRatioAndTheMerge()
    {
        var r = Run("bench", "overhead", "--workload", "r18w16-b64", "--steps", "1", "--warmup", "0", "--backend", "cpu");
        CliRunner.AssertOk(r);
        Assert.Matches(@"LoRA overhead\s+\d+\.\d+ ×", r.Output);
        Assert.Matches(@"LoRA merge\s+\d+\.\d+ ms/step", r.Output);
    }

    [Fact]
    public void SelftestPasses()
    {
        var r = Run("selftest");
        CliRunner.AssertOk(r);
        Assert.Contains("selftest passed", r.Output);
    }

    [Fact]
    public void EverySettingOfTheTrainingMethodsIsAFlag()
    {
        foreach (var (verb, methods) in new (string, IReadOnlyList<MethodRecipe>)[] { ("finetune", RecipeCatalogue.FineTuning), ("pretrain", [RecipeCatalogue.Get("pgd-at")]) })
        {
            var help = Run(verb, "--help");
            AssertOk(help);
            foreach (var setting in SettingSchema.Of(methods).Where(s => s.Surface.HasFlag(SettingSurface.CommandLine)))
            {
                Assert.Contains($"--{setting.Key} ", help.Output);
            }
        }
    }

    [Theory]
    [InlineData("eval", "missing.safetensors", "no such file")]
    [InlineData("finetune", "--init", "missing.safetensors", "no such file")]
    [InlineData("pretrain", "--data", "mnist:/nonexistent-dir", "--arch", "resnet-mini", "/nonexistent-dir")]
    [InlineData("pretrain", "--data", "imagenet:/x", "--arch", "resnet-mini", "imagenet")]
    [InlineData("pretrain", "--arch", "resnet19", "--data", "mnist:DATA", "resnet19")]
    [InlineData("finetune", "--method", "bogus", "--init", "x", "bogus")]
    [InlineData("finetune", "--method", "autolora", "--auto-scalars", "--init", "BACKBONE", "--data", "mnist:DATA", "--auto-scalars")]
    [InlineData("finetune", "--method", "vanilla", "--gamma", "0.5", "--init", "BACKBONE", "--data", "mnist:DATA", "--gamma")]
    [InlineData("finetune", "--method", "twins", "--batch-size", "2", "--init", "BACKBONE", "--data", "mnist:DATA", "--batch-size")]
    [InlineData("finetune", "--method", "vanilla", "--rank", "4", "--init", "BACKBONE", "--data", "mnist:DATA", "--rank applies to --method autolora only.")]
    [InlineData("finetune", "--epochs", "0", "--init", "BACKBONE", "--data", "mnist:DATA", "--epochs must be at least 1 (got 0).")]
    [InlineData("finetune", "--lr-milestones", "3;5", "--init", "BACKBONE", "--data", "mnist:DATA", "--lr-milestones must be comma-separated")]
    [InlineData("finetune", "--method", "twins", "--twins-kl", "sum", "--init", "BACKBONE", "--data", "mnist:DATA", "--twins-kl 'sum' is unknown")]
    [InlineData("analyze", "grad-sim", "no-such-run", "no such file")]
    [InlineData("analyze", "grad-sim", "BACKBONE", "--data", "mnist:DATA", "--method", "natural", "natural")]
    [InlineData("bench", "step", "--workload", "r99", "r99")]
    [InlineData("bench", "step", "--profile", "--json", "--profile")]
    [InlineData("eval", "x.safetensors", "--attacks", "fgsm", "fgsm")]
    public void UserErrorsAreOneSentenceWithoutStackTrace(params string[] argsAndExpected)
    {
        var args = argsAndExpected[..^1].Select(a => a.Replace("BACKBONE", _w.Backbone, StringComparison.Ordinal).Replace("DATA", _w.DataDir, StringComparison.Ordinal)).ToArray();
        var r = Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(argsAndExpected[^1], r.Error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", r.All);
    }

    /// <summary>Flags of the wrong type or out of range, and paths of the wrong kind: exit 2 and one line naming the flag or path.</summary>
    [Theory]
    [InlineData("finetune", "--epochs", "ten", "--init", "BACKBONE", "--data", "mnist:DATA", "--epochs expects a whole number up to 2147483647 (got 'ten')")]
    [InlineData("finetune", "--epochs", "ten", "--epochs expects a whole number")]
    [InlineData("eval", "BACKBONE", "--n", "abc", "--n expects a whole number")]
    [InlineData("eval", "BACKBONE", "--eps", "small", "--eps expects a number (got 'small')")]
    [InlineData("eval", "BACKBONE", "--corrupt-images", "maybe", "--corrupt-images expects one of skip, fail (got 'maybe')")]
    [InlineData("finetune", "--eps", "NaN", "--init", "BACKBONE", "--data", "mnist:DATA", "--eps must be a finite number (got 'NaN')")]
    [InlineData("finetune", "--lr", "Infinity", "--init", "BACKBONE", "--data", "mnist:DATA", "--lr must be a finite number (got 'Infinity')")]
    [InlineData("eval", "BACKBONE", "--eps", "-Infinity", "--eps must be a finite number")]
    [InlineData("finetune", "--eps", "2", "--init", "BACKBONE", "--data", "mnist:DATA", "--eps must be in [0, 1] pixel units (got 2;")]
    [InlineData("pretrain", "--arch", "resnet-mini", "--width", "0", "--data", "mnist:DATA", "width must be between 1 and 1,024 (got 0)")]
    [InlineData("pretrain", "--arch", "resnet-mini", "--width", "4", "--data", "mnist:DATA", "--run-dir", "/proc/x", "the run directory /proc/x cannot be created")]
    [InlineData("eval", "ROOT", "is a directory; give a file in it")]
    [InlineData("inspect", "ROOT", "is a directory; give a file in it")]
    public void BadValuesAndPathsAreOneLineWithExitCode2(params string[] argsAndExpected)
    {
        var args = argsAndExpected[..^1].Select(a => a.Replace("BACKBONE", _w.Backbone, StringComparison.Ordinal)
            .Replace("DATA", _w.DataDir, StringComparison.Ordinal).Replace("ROOT", _w.Root, StringComparison.Ordinal)).ToArray();
        var r = Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(argsAndExpected[^1], r.Error, StringComparison.Ordinal);
        Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("Usage:", r.All);
    }

    [Fact]
    public void CorruptModelFileIsNamed()
    {
        string bad = Path.Combine(_w.Root, "corrupt.safetensors");
        File.WriteAllBytes(bad, [1, 2, 3, 4, 5]);
        var r = Run("inspect", bad);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("corrupt.safetensors", r.Error);
    }

    [Fact]
    public void UnknownFlagIsRejected()
    {
        var r = Run("pretrain", "--no-such-flag");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--no-such-flag", r.All);
    }
}
