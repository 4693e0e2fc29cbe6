using System.Diagnostics;
using AutoLoRa.Distributed;
using AutoLoRa.Robust;

namespace AutoLoRa.Training.Evaluation;

/// <summary>
/// How a fine-tuned model is scored: clean and PGD-k accuracy on the test images, standard
/// AutoAttack on the first few of them (all of them rarely fit a CPU's time budget).
/// </summary>
public sealed record RobustnessSettings
{
    /// <summary>L∞ radius of both attacks, in [0, 1] pixel units.</summary>
    public required float Epsilon { get; init; }

    /// <summary>Steps of the PGD attack.</summary>
    public int PgdSteps { get; init; } = 20;

    /// <summary>Step size of the PGD attack, in pixel units.</summary>
    public required float PgdStepSize { get; init; }

    /// <summary>Test images AutoAttack runs on, from the first: null = all, 0 = no AutoAttack.</summary>
    public int? AutoAttackImages { get; init; }

    /// <summary>Images per forward pass.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>"PGD-20": the column name of the PGD accuracy.</summary>
    public string PgdName => $"PGD-{PgdSteps}";
}

/// <summary>
/// Accuracies of one evaluation (fractions), the AutoAttack reliability flags and the seconds
/// each part took. <see cref="AutoAttack"/> is null when AutoAttack was not run.
/// </summary>
public sealed record RobustnessResult(
    int TestImages,
    float Clean,
    float Pgd,
    int AutoAttackImages,
    double? AutoAttack,
    IReadOnlyList<string> AutoAttackFlags,
    double CleanSeconds,
    double PgdSeconds,
    double AutoAttackSeconds)
{
    /// <summary>Seconds of the whole evaluation.</summary>
    public double Seconds => CleanSeconds + PgdSeconds + AutoAttackSeconds;
}

/// <summary>Runs a <see cref="RobustnessSettings"/> evaluation, reporting each stage's progress.</summary>
public static class RobustnessEvaluation
{
    /// <summary>
    /// Evaluates <paramref name="model"/> on <paramref name="test"/>. AutoAttack saves its progress to
    /// <paramref name="autoAttackState"/> (a file the caller keys to the model; null = none) and resumes
    /// from it; progress stages are "clean", "PGD-k", then "AA &lt;attack&gt;" for each AutoAttack pass.
    /// With <paramref name="replicas"/> of several ranks (every rank makes the same call) each rank
    /// evaluates every N-th batch and the counts and per-point results are combined, so every rank
    /// returns the one-process result; rank 0 alone keeps the AutoAttack state.
    /// </summary>
    public static RobustnessResult Run(Backend backend, Classifier model, IImageSet test, RobustnessSettings s, int seed,
        string? autoAttackState, IProgress<AttackProgress>? progress = null, Communicator? replicas = null)
    {
        replicas ??= SingleProcess.Instance;
        var evaluator = new Evaluator(backend, s.BatchSize);
        int share = replicas.IsDistributed ? evaluator.ShardRows(test.Count, replicas.Rank, replicas.Size).Length : test.Count;
        float Accuracy(PgdConfig? attack, string stage)
        {
            // The clean pass draws nothing; its loader's seed stays 0, as Evaluator.CleanAccuracy's.
            Span<long> correct = [evaluator.CorrectOnShard(model, test, attack, attack is null ? 0 : seed, replicas.Rank, replicas.Size, Stage(progress, stage, share))];
            replicas.AllReduceSum(correct, $"the {stage} count");
            return (float)correct[0] / test.Count;
        }
        var clock = Stopwatch.StartNew();
        float clean = Accuracy(null, "clean");
        double cleanSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        float robust = Accuracy(PgdConfig.Evaluation(s.Epsilon, s.PgdSteps, s.PgdStepSize), s.PgdName);
        double pgdSeconds = clock.Elapsed.TotalSeconds;

        int points = Math.Min(s.AutoAttackImages ?? test.Count, test.Count);
        if (points == 0) return new RobustnessResult(test.Count, clean, robust, 0, null, [], cleanSeconds, pgdSeconds, 0);
        using var logits = new ClassifierLogitModel(model);
        var options = new AutoAttackOptions
        {
            Epsilon = s.Epsilon,
            BatchSize = s.BatchSize,
            Seed = seed,
            StatePath = autoAttackState,
            Progress = p => progress?.Report(p with { Attack = "AA " + p.Attack }),
        };
        var first = points == test.Count ? test : test.Select(Enumerable.Range(0, points).ToArray());
        var report = new AutoAttackRunner(options, replicas).Run(logits, new ImageSetAttackPoints(first, s.BatchSize));
        return new RobustnessResult(test.Count, clean, robust, points, report.RobustAccuracy, [.. report.Flags.Select(f => f.Code)],
            cleanSeconds, pgdSeconds, report.Attacks.Sum(a => a.Seconds));
    }

    private static ImmediateProgress<int>? Stage(IProgress<AttackProgress>? progress, string name, int total) =>
        progress is null ? null : new ImmediateProgress<int>(done => progress.Report(new AttackProgress(name, done, total)));
}
