using AutoLoRa.Core.Backends;
using AutoLoRa.Data;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;
using AutoLoRa.Training;
using AutoLoRa.Training.Evaluation;
using Spectre.Console;

namespace AutoLoRa.Cli.Presentation;

/// <summary>Clean and PGD evaluation with a progress bar per attack.</summary>
internal static class EvaluationView
{
    public static (float Clean, float Robust, double CleanSeconds, double RobustSeconds) CleanAndPgd(
        IBackend backend, Classifier model, IImageSet test, PgdConfig attack, int seed, string title, int batchSize = 128)
    {
        var evaluator = new Evaluator(backend, batchSize);
        float clean = 0, robust = 0;
        double cleanSeconds = 0, robustSeconds = 0;
        TrainingView.Progress().Start(ctx =>
        {
            var cleanTask = ctx.AddTask(Markup.Escape($"{title}: clean"), maxValue: test.Count);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            clean = evaluator.CleanAccuracy(model, test, progress: new ImmediateProgress<int>(done => cleanTask.Value = done));
            cleanSeconds = clock.Elapsed.TotalSeconds;
            var robustTask = ctx.AddTask(Markup.Escape($"{title}: PGD-{attack.Steps}"), maxValue: test.Count);
            clock.Restart();
            robust = evaluator.RobustAccuracy(model, test, attack, seed, new ImmediateProgress<int>(done => robustTask.Value = done));
            robustSeconds = clock.Elapsed.TotalSeconds;
        });
        return (clean, robust, cleanSeconds, robustSeconds);
    }
}
