using System.Globalization;
using AutoLoRa.Training;
using Spectre.Console;

namespace AutoLoRa.Cli.Presentation;

/// <summary>
/// Shows a training run: a progress bar with ETA over all epochs, and one line per finished epoch
/// (also readable when output is redirected to a log).
/// </summary>
internal static class TrainingView
{
    public static T Run<T>(string title, int epochs, Func<IProgress<TrainingProgress>, T> work)
    {
        T result = default!;
        Progress().Start(ctx =>
        {
            var task = ctx.AddTask(Markup.Escape(title), maxValue: epochs * 100.0);
            var progress = new ImmediateProgress<TrainingProgress>(p =>
            {
                double within = p.Total > 0 ? 100.0 * p.Done / p.Total : 0;
                switch (p.Phase)
                {
                    case "train":
                        task.Value = p.Epoch * 100.0 + Math.Min(within, 99.0) * 0.9;
                        task.Description = Markup.Escape($"{title}: epoch {p.Epoch + 1}/{p.Epochs}, loss {p.Loss:F3}");
                        break;
                    case "validate":
                        task.Description = Markup.Escape($"{title}: epoch {p.Epoch + 1}/{p.Epochs}, validating");
                        break;
                    case "epoch":
                        task.Value = (p.Epoch + 1) * 100.0;
                        AnsiConsole.MarkupLine(Markup.Escape(EpochLine(title, p.Completed!)));
                        break;
                }
            });
            result = work(progress);
            task.Value = task.MaxValue;
        });
        return result;
    }

    /// <summary>A Spectre progress display with the columns every long loop uses.</summary>
    public static Progress Progress() => AnsiConsole.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn());

    /// <summary>The end-of-run table: one row per epoch.</summary>
    public static void Summary(string title, IReadOnlyList<EpochRecord> history)
    {
        var scalarNames = history.SelectMany(h => h.Scalars.Keys).Distinct().ToList();
        var table = new Table().Title(Markup.Escape(title)).AddColumns("epoch", "lr", "loss", "val SA", "val RA");
        foreach (var name in scalarNames) table.AddColumn(Markup.Escape(name));
        table.AddColumns("seconds", "note");
        foreach (var h in history)
        {
            var cells = new List<string>
            {
                (h.Epoch + 1).ToString(CultureInfo.InvariantCulture), h.LearningRate.ToString("G3", CultureInfo.InvariantCulture),
                $"{h.Loss:F3}", $"{h.ValidationCleanAccuracy:P1}", $"{h.ValidationRobustAccuracy:P1}",
            };
            cells.AddRange(scalarNames.Select(n => h.Scalars.TryGetValue(n, out float v) ? $"{v:F3}" : ""));
            cells.Add($"{h.Seconds:F0}");
            cells.Add(Markup.Escape(h.Note ?? ""));
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
    }

    public static string EpochLine(string title, EpochRecord r)
    {
        var parts = new List<string>
        {
            $"{title} epoch {r.Epoch + 1}",
            $"lr {r.LearningRate.ToString("G3", CultureInfo.InvariantCulture)}",
            $"loss {r.Loss:F3}",
            $"val SA {r.ValidationCleanAccuracy:P1}",
            $"val RA {r.ValidationRobustAccuracy:P1}",
        };
        foreach (var (k, v) in r.Scalars) parts.Add($"{k} {v:F3}");
        foreach (var pair in r.GradientSimilarity ?? []) parts.Add($"grad-sim {pair.Pair} {pair.Mean:F3} ± {pair.Std:F3}");
        parts.Add($"{r.Seconds:F0} s");
        if (r.Note is not null) parts.Add(r.Note);
        return string.Join(", ", parts);
    }
}
