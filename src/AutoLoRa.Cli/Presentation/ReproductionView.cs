using AutoLoRa.Robust;
using AutoLoRa.Training;
using AutoLoRa.Reproduction;
using Spectre.Console;

namespace AutoLoRa.Cli.Presentation;

/// <summary>Shows a plan run: a line per cell (which of how many, and what happens to it), then its training and evaluation progress bars.</summary>
internal sealed class ReproductionView(string pgdName) : IReproductionMonitor
{
    public void CellReached(int index, int count, PlanCell cell, CellState state)
    {
        string what = state switch
        {
            CellState.Finished => "finished earlier, skipped",
            CellState.Trained => "trained earlier, evaluating",
            CellState.Resuming => "resuming from its run checkpoint",
            _ => "starting",
        };
        AnsiConsole.MarkupLine($"[bold]cell {index + 1}/{count}[/] {Markup.Escape(cell.Name)}: {what}");
    }

    public void CellFinished(PlanCell cell, CellResult result)
    {
        var e = result.Evaluation;
        string autoAttack = e.AutoAttack is { } aa ? $", AutoAttack {aa:P1} (first {e.AutoAttackImages})" : "";
        Console.WriteLine($"{cell.Name}: SA {e.Clean:P1}, {pgdName} {e.Pgd:P1}{autoAttack}; {result.History.Count} epochs in {result.TrainSeconds:F0} s, evaluation {e.Seconds:F0} s");
    }

    public TrainingRun Train(string title, int epochs, Func<IProgress<TrainingProgress>?, TrainingRun> training) => TrainingView.Run(title, epochs, training);

    public T Evaluate<T>(string title, Func<IProgress<AttackProgress>?, T> evaluation) => StageProgressView.Run(title, evaluation);
}
