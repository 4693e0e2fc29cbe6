using AutoLoRa.Robust;
using Spectre.Console;

namespace AutoLoRa.Cli.Presentation;

/// <summary>Runs an AutoAttack evaluation with one progress bar per attack.</summary>
internal static class AttackView
{
    public static AutoAttackReport Run(AutoAttackOptions options, ILogitModel model, IAttackPoints data, string title)
    {
        AutoAttackReport report = null!;
        TrainingView.Progress().Start(ctx =>
        {
            var tasks = new Dictionary<string, ProgressTask>();
            var runner = new AutoAttackRunner(options with
            {
                Progress = p =>
                {
                    if (!tasks.TryGetValue(p.Attack, out var task))
                    {
                        tasks[p.Attack] = task = ctx.AddTask(Markup.Escape($"{title}: {p.Attack}"), maxValue: Math.Max(1, p.Total));
                    }
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                },
            });
            report = runner.Run(model, data);
            foreach (var task in tasks.Values) task.Value = task.MaxValue;
        });
        return report;
    }
}
