using AutoLoRa.Robust;
using AutoLoRa.Training;

namespace AutoLoRa.Reproduction;

/// <summary>What happens to a cell when the runner reaches it.</summary>
public enum CellState
{
    /// <summary>Its result is there: skipped.</summary>
    Finished,

    /// <summary>Trained before: only the evaluation runs.</summary>
    Trained,

    /// <summary>A run checkpoint is there: training continues from it.</summary>
    Resuming,

    /// <summary>Nothing is there yet.</summary>
    Starting,
}

/// <summary>
/// Watches a plan run: which cell of how many, and the progress of each training and evaluation
/// (the CLI shows progress bars; the defaults show nothing).
/// </summary>
public interface IReproductionMonitor
{
    /// <summary>The runner reached cell <paramref name="index"/> (from 0) of <paramref name="count"/>.</summary>
    void CellReached(int index, int count, PlanCell cell, CellState state)
    {
    }

    /// <summary>The runner finished <paramref name="cell"/> with <paramref name="result"/>.</summary>
    void CellFinished(PlanCell cell, CellResult result)
    {
    }

    /// <summary>Runs a training (a cell's fine-tuning or a backbone's pre-training), passing it a progress sink.</summary>
    TrainingRun Train(string title, int epochs, Func<IProgress<TrainingProgress>?, TrainingRun> training) => training(null);

    /// <summary>Runs an evaluation, passing it a progress sink for its stages.</summary>
    T Evaluate<T>(string title, Func<IProgress<AttackProgress>?, T> evaluation) => evaluation(null);
}
