using System.Diagnostics;
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

    public int PgdSteps { get; init; } = 20;

    public required float PgdStepSize { get; init; }

    /// <summary>Test images AutoAttack runs on, from the first: null = all, 0 = no AutoAttack.</summary>
    public int? AutoAttackImages { get; init; }

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
    public double Seconds => CleanSeconds + PgdSeconds + AutoAttackSeconds;
}

/// <summary>Runs a <see cref="RobustnessSettings"/> evaluation, reporting each stage's progress.</summary>
public static class RobustnessEvaluation
{
    /// <summary>
    /// Evaluates <paramref name="model"/> on <paramref name="test"/>. AutoAttack saves its progress to
    /// <paramref name="autoAttackState"/> (a file the caller keys to the model; null = none) and resumes
    /// from it; progress stages are "clean", "PGD-k", then "AA &lt;attack&gt;" for each AutoAttack pass.
    /// </summary>
    public static RobustnessResult Run(Backend backend, Classifier model, IImageSet test, RobustnessSettings s, int seed,
        string? autoAttackState, IProgress<AttackProgress>? progress = null)
    {
        var evaluator = new Evaluator(backend, s.BatchSize);
        var clock = Stopwatch.StartNew();
        float clean = evaluator.CleanAccuracy(model, test, progress: Stage(progress, "clean", test.Count));
        double cleanSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var pgd = PgdConfig.Evaluation(s.Epsilon, s.PgdSteps, s.PgdStepSize);
        float robust = evaluator.RobustAccuracy(model, test, pgd, seed, Stage(progress, s.PgdName, test.Count));
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
        var report = new AutoAttackRunner(options).Run(logits, new ImageSetAttackPoints(first, s.BatchSize));
        return new RobustnessResult(test.Count, clean, robust, points, report.RobustAccuracy, [.. report.Flags.Select(f => f.Code)],
            cleanSeconds, pgdSeconds, report.Attacks.Sum(a => a.Seconds));
    }

    private static ImmediateProgress<int>? Stage(IProgress<AttackProgress>? progress, string name, int total) =>
        progress is null ? null : new ImmediateProgress<int>(done => progress.Report(new AttackProgress(name, done, total)));
}
