using AutoLoRa.Robust;
using AutoLoRa.Training;
using Spectre.Console;

namespace AutoLoRa.Cli.Presentation;

/// <summary>Runs work that reports named stages (clean, PGD-k, each AutoAttack pass) with one progress bar per stage.</summary>
internal static class StageProgressView
{
    public static T Run<T>(string title, Func<IProgress<AttackProgress>, T> work)
    {
        T result = default!;
        TrainingView.Progress().Start(ctx =>
        {
            var tasks = new Dictionary<string, ProgressTask>();
            var progress = new ImmediateProgress<AttackProgress>(p =>
            {
                if (!tasks.TryGetValue(p.Attack, out var task))
                {
                    tasks[p.Attack] = task = ctx.AddTask(Markup.Escape($"{title}: {p.Attack}"), maxValue: Math.Max(1, p.Total));
                }
                task.MaxValue = Math.Max(1, p.Total);
                task.Value = p.Done;
            });
            result = work(progress);
            foreach (var task in tasks.Values) task.Value = task.MaxValue;
        });
        return result;
    }
}
