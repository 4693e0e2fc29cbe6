using AutoLoRa.Cpu;

namespace AutoLoRa.Robust.Tests;

/// <summary>The runner's accounting, resume and flags, on scripted models and attacks with known outcomes.</summary>
public sealed class RunnerTests : IDisposable
{
    private const int N = 10;
    private const float Eps = 0.5f;
    private readonly CpuBackend _cpu = new();
    private readonly AttackBatch _data = ScriptedModel.Data(N);
    private readonly ScriptedModel _model;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "autolora-aa-" + Guid.NewGuid().ToString("N"));

    public RunnerTests() => _model = new ScriptedModel(_cpu, _data.Labels, new HashSet<int> { 0, 1 });

    public void Dispose()
    {
        _cpu.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private AutoAttackOptions Options(params IAttack[] attacks) =>
        new() { Epsilon = Eps, AttackInstances = attacks, BatchSize = 3, RunChecks = false };

    [Fact]
    public void OnlyRobustPointsGoToTheNextAttackAndAccuracyIsOverAllPoints()
    {
        var a = new ScriptedAttack("a", N, 0, 2, 3);
        var b = new ScriptedAttack("b", N, 3, 4);
        var c = new ScriptedAttack("c", N);
        var progress = new List<AttackProgress>();
        var report = new AutoAttackRunner(Options(a, b, c) with { Progress = progress.Add }).Run(_model, _data);

        Assert.Equal(0.8, report.CleanAccuracy, 9);
        Assert.Equal([2, 3, 4, 5, 6, 7, 8, 9], a.Seen);
        Assert.Equal([4, 5, 6, 7, 8, 9], b.Seen);
        Assert.Equal([5, 6, 7, 8, 9], c.Seen);
        Assert.Equal([(8, 2, 0.6), (6, 1, 0.5), (5, 0, 0.5)], report.Attacks.Select(s => (s.Attacked, s.Successes, Math.Round(s.AccuracyAfter, 9))));
        Assert.Equal(0.5, report.RobustAccuracy, 9);
        Assert.Equal([false, false, false, false, false, true, true, true, true, true], report.Robust);
        Assert.Equal(0.5f, report.MaxPerturbation, 6);
        Assert.Contains(new AttackProgress("b", 6, 6), progress);
        Assert.Contains(new AttackProgress("a", 3, 8), progress);
        Assert.Empty(report.Flags);
        Assert.Contains("\"RobustAccuracy\": 0.5", report.ToJson());
    }

    [Fact]
    public void ImagesOutsideTheBallAreNotCountedAndAreFlagged()
    {
        var bad = new ScriptedAttack("bad", N, 5) { LeaveTheBall = true };
        var report = new AutoAttackRunner(Options(bad)).Run(_model, _data);
        Assert.Equal(0.8, report.RobustAccuracy, 9);
        Assert.Equal(1, report.OutOfBoundsImages);
        Assert.Equal(0.7f, report.MaxPerturbation, 5);
        Assert.Contains(report.Flags, f => f.Code == EvaluationFlag.OutOfBounds);
    }

    [Fact]
    public void ResumesAnInterruptedEvaluationWhereItStopped()
    {
        string state = Path.Combine(_dir, "aa-state.json");
        var a = new ScriptedAttack("a", N, 2, 3);
        var b = new ScriptedAttack("b", N, 4, 9) { FailAfterBatches = 1 };
        var interrupted = Options(a, b) with { StatePath = state };
        Assert.Throws<OperationCanceledException>(() => new AutoAttackRunner(interrupted).Run(_model, _data));
        Assert.True(File.Exists(state));
        Assert.False(File.Exists(state + ".tmp"));

        var a2 = new ScriptedAttack("a", N, 2, 3);
        var b2 = new ScriptedAttack("b", N, 4, 9);
        var report = new AutoAttackRunner(Options(a2, b2) with { StatePath = state }).Run(_model, _data);
        Assert.True(report.Resumed);
        Assert.Empty(a2.Seen); // finished before the interruption
        Assert.Equal([7, 8, 9], b2.Seen); // b's first batch (4, 5, 6) was done
        Assert.Equal([(8, 2), (6, 2)], report.Attacks.Select(s => (s.Attacked, s.Successes)));
        Assert.Equal(0.4, report.RobustAccuracy, 9);

        var other = Options(a2) with { StatePath = state };
        Assert.Contains("other data or settings", Assert.Throws<AutoAttackStateException>(() => new AutoAttackRunner(other).Run(_model, _data)).Message);
    }

    /// <summary>Ways a saved state goes bad: the file cut, emptied, overwritten, or edited field by field.</summary>
    public static TheoryData<string, string> DamagedStates() => new()
    {
        { "truncated", "" },
        { "empty", "" },
        { "garbage", "" },
        { "[]", "" },
        { "null", "null" },
        { "format", "format 7" },
        { "clean-length", "clean and" },
        { "robust-not-clean", "robust without being clean" },
        { "pending-range", "out of range" },
        { "attack-name", "attacks are not the ones" },
        { "attacks-null", "missing" },
        { "negative", "negative" },
    };

    [Theory]
    [MemberData(nameof(DamagedStates))]
    public void A_damaged_state_is_reported_with_its_file_and_discarded_only_when_asked(string damage, string expected)
    {
        string state = Path.Combine(_dir, "aa-state.json");
        var b = new ScriptedAttack("b", N, 4, 9) { FailAfterBatches = 1 };
        Assert.Throws<OperationCanceledException>(() => new AutoAttackRunner(Options(new ScriptedAttack("a", N, 2, 3), b) with { StatePath = state }).Run(_model, _data));
        File.WriteAllText(state, Damage(File.ReadAllText(state), damage));

        var e = Assert.Throws<AutoAttackStateException>(() =>
            new AutoAttackRunner(Options(new ScriptedAttack("a", N, 2, 3), new ScriptedAttack("b", N, 4, 9)) with { StatePath = state }).Run(_model, _data));
        Assert.StartsWith(state + ":", e.Message);
        Assert.Contains(expected, e.Message);

        var fresh = Options(new ScriptedAttack("a", N, 2, 3), new ScriptedAttack("b", N, 4, 9)) with { StatePath = state, DiscardUnusableState = true };
        var report = new AutoAttackRunner(fresh).Run(_model, _data);
        Assert.False(report.Resumed);
        Assert.Equal(e.Message, report.DiscardedState);
        Assert.Equal(0.4, report.RobustAccuracy, 9);
        Assert.True(new AutoAttackRunner(fresh).Run(_model, _data).Resumed, "the discarded state was not replaced by the new one");
    }

    private static string Damage(string json, string damage)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        void Set(string key, System.Text.Json.Nodes.JsonNode? value) => node[key] = value;
        switch (damage)
        {
            case "truncated": return json[..(json.Length / 2)];
            case "empty": return "";
            case "garbage": return "\u0001\u0002 not json";
            case "[]": return "[]";
            case "null": return "null";
            case "format": Set("Format", 7); break;
            case "clean-length": Set("Clean", new System.Text.Json.Nodes.JsonArray(true)); break;
            case "robust-not-clean": node["Robust"]![0] = true; node["Clean"]![0] = false; break;
            case "pending-range": Set("Pending", new System.Text.Json.Nodes.JsonArray(99)); break;
            case "attack-name": node["Attacks"]![0]!["Name"] = "z"; break;
            case "attacks-null": Set("Attacks", null); break;
            case "negative": Set("NanImages", -1); break;
        }
        return node.ToJsonString();
    }

    [Fact]
    public void FlagsSquareBeatingTheWhiteBoxAttacks()
    {
        var report = new AutoAttackRunner(Options(new ScriptedAttack("apgd-ce", N), new ScriptedAttack("square", N, 5, 6))).Run(_model, _data);
        Assert.Contains(report.Flags, f => f.Code == EvaluationFlag.SquareBeatsWhiteBox);
    }

    [Fact]
    public void NoFlagsOnAnHonestLinearModel()
    {
        using var model = SyntheticTask.Train(_cpu, 10);
        var data = SyntheticTask.Sample(10, 20, seed: 4);
        Assert.Empty(ChecksOn(model, data).Flags);
    }

    [Fact]
    public void FlagsARandomisedModel()
    {
        using var trained = SyntheticTask.Train(_cpu, 10);
        using var model = new NoisyModel(_cpu, trained.WeightHost, trained.BiasHost);
        Assert.Contains(ChecksOn(model, SyntheticTask.Sample(10, 20, seed: 4)).Flags, f => f.Code == EvaluationFlag.Randomized);
    }

    [Fact]
    public void FlagsSoftmaxOutputs()
    {
        using var trained = SyntheticTask.Train(_cpu, 10);
        using var model = new SoftmaxModel(_cpu, trained.WeightHost, trained.BiasHost);
        Assert.Contains(ChecksOn(model, SyntheticTask.Sample(10, 20, seed: 4)).Flags, f => f.Code == EvaluationFlag.SoftmaxOutput);
    }

    [Fact]
    public void FlagsZeroGradients()
    {
        using var trained = SyntheticTask.Train(_cpu, 10);
        using var model = new QuantizedModel(_cpu, trained.WeightHost, trained.BiasHost);
        var report = ChecksOn(model, SyntheticTask.Sample(10, 20, seed: 4));
        Assert.Contains(report.Flags, f => f.Code == EvaluationFlag.ZeroGradients);
        Assert.DoesNotContain(report.Flags, f => f.Code == EvaluationFlag.Randomized);
    }

    [Fact]
    public void ZeroGradientsChecksOnlyCorrectlyClassifiedPoints()
    {
        // Relabel every other point to the class the model ranks third: those points are
        // misclassified and their DLR is 1 whatever the image, so its gradient is exactly zero there.
        using var model = SyntheticTask.Train(_cpu, 10);
        var clean = SyntheticTask.Sample(10, 20, seed: 4);
        var logits = LogitEvaluator.Logits(model, clean.Images, clean.ShapeOf(clean.Count), out int classes);
        var labels = (int[])clean.Labels.Clone();
        for (int s = 0; s < labels.Length; s += 2)
        {
            labels[s] = Enumerable.Range(0, classes).OrderByDescending(c => logits[s * classes + c]).ElementAt(2);
        }
        var data = new AttackBatch(clean.Images, labels, clean.Channels, clean.Height, clean.Width);
        var dlr = LogitEvaluator.LossGradient(model, data.Images, data.ShapeOf(data.Count), AttackLoss.Dlr, labels);
        Assert.All(Enumerable.Range(0, 10), i => Assert.DoesNotContain(dlr.Grad.AsSpan(2 * i * data.ImageSize, data.ImageSize).ToArray(), g => g != 0f));

        Assert.Null(ReliabilityChecks.ZeroGradients(model, data, classes));
        Assert.DoesNotContain(ChecksOn(model, data).Flags, f => f.Code == EvaluationFlag.ZeroGradients);
    }

    [Fact]
    public void ZeroGradientsFlagCountsTheCorrectPointsItChecked()
    {
        using var trained = SyntheticTask.Train(_cpu, 10);
        using var model = new QuantizedModel(_cpu, trained.WeightHost, trained.BiasHost);
        var data = SyntheticTask.Sample(10, 20, seed: 4);
        int correct = LogitEvaluator.Predict(model, data.Images, data.ShapeOf(data.Count)).Where((p, i) => p == data.Labels[i]).Count();
        var flag = ReliabilityChecks.ZeroGradients(model, data, 10);
        Assert.NotNull(flag);
        Assert.Contains($"of the {correct} correctly classified points checked", flag.Message);
    }

    [Fact]
    public void NamedPgdRunsWithTheGivenStepAndTwoStepsDoNotShareAState()
    {
        Assert.Equal(PgdConfig.EvaluationStep, ((PgdEvaluationAttack)new AutoAttackRunner(new AutoAttackOptions { Epsilon = 0.1f, Attacks = ["pgd20"] }).AttackList[0]).Config.StepSize);
        var demo = new AutoAttackOptions { Epsilon = 0.1f, Attacks = ["pgd3"], PgdStepSize = 0.01f, RunChecks = false, StatePath = Path.Combine(_dir, "pgd.json") };
        var attack = (PgdEvaluationAttack)new AutoAttackRunner(demo).AttackList[0];
        Assert.Equal(new PgdConfig(0.1f, 0.01f, 3), attack.Config);

        using var model = SyntheticTask.Train(_cpu, 10);
        var data = SyntheticTask.Sample(10, 20, seed: 4);
        new AutoAttackRunner(demo).Run(model, data);
        Assert.Throws<InvalidOperationException>(() => new AutoAttackRunner(demo with { PgdStepSize = 0.02f }).Run(model, data));
    }

    private static AutoAttackReport ChecksOn(ILogitModel model, AttackBatch data) =>
        new AutoAttackRunner(new AutoAttackOptions { Epsilon = 8f / 255, AttackInstances = [] }).Run(model, data);
}
