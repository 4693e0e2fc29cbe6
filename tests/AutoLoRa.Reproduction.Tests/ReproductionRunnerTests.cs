using AutoLoRa.Cpu;
using AutoLoRa.Formats;
using AutoLoRa.Robust;
using AutoLoRa.Training;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Reproduction;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Reproduction.Tests;

/// <summary>
/// A plan interrupted in its second cell resumes without redoing the first: the finished cell is
/// skipped, the half-trained one continues from its checkpoint, the backbone is not pre-trained again.
/// </summary>
public sealed class ReproductionRunnerTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "autolora-reproduce-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _cpu.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>Records what the runner does; cancels once the second cell has finished its first epoch.</summary>
    private sealed class Recorder(CancellationTokenSource? cancel) : IReproductionMonitor
    {
        public List<(int Index, CellState State)> Reached { get; } = [];

        public List<string> Trained { get; } = [];

        public int Evaluations { get; private set; }

        public void CellReached(int index, int count, PlanCell cell, CellState state) => Reached.Add((index, state));

        public TrainingRun Train(string title, int epochs, Func<IProgress<TrainingProgress>?, TrainingRun> training)
        {
            Trained.Add(title);
            bool second = Reached.Count == 2;
            return training(new ImmediateProgress<TrainingProgress>(p =>
            {
                if (second && p.Phase == "epoch" && p.Epoch == 0) cancel?.Cancel();
            }));
        }

        public T Evaluate<T>(string title, Func<IProgress<AttackProgress>?, T> evaluation)
        {
            Evaluations++;
            return evaluation(null);
        }
    }

    private IReadOnlyList<CellResult> Run(PlanGrid grid, Recorder recorder, CancellationToken cancel = default) =>
        new ReproductionRunner(_cpu, new TinyPlan.Sources(), recorder).Run(grid, new ResultStore(_root), cancel);

    [Fact]
    public void HalfFinishedPlanResumesWithoutRedoingFinishedCells()
    {
        var grid = PlanGrid.Expand(TinyPlan.Parse(TinyPlan.Json()));
        var store = new ResultStore(_root);
        var (first, second) = (grid.Cells[0], grid.Cells[1]);

        using var cancel = new CancellationTokenSource();
        var interrupted = new Recorder(cancel);
        Assert.ThrowsAny<OperationCanceledException>(() => Run(grid, interrupted, cancel.Token));
        Assert.Equal(["pretrain mini4 (PGD-AT)", first.Name, second.Name], interrupted.Trained);
        string firstResult = Path.Combine(store.CellDirectory(first), ResultStore.ResultFile);
        Assert.True(File.Exists(firstResult));
        Assert.False(File.Exists(Path.Combine(store.CellDirectory(second), ResultStore.ResultFile)));
        Assert.Equal(CellState.Resuming, ReproductionRunner.StateOf(second, store));
        var firstBytes = File.ReadAllBytes(firstResult);
        var checkpoint = SafeTensors.Read(Path.Combine(store.CellDirectory(second), RunCheckpoint.FileName));
        Assert.Contains("\"CompletedEpochs\":1", checkpoint.Metadata[ModelFile.RunStateKey]);

        var resumed = new Recorder(cancel: null);
        var results = Run(grid, resumed);
        Assert.Equal([(0, CellState.Finished), (1, CellState.Resuming)], resumed.Reached);
        Assert.Equal([second.Name], resumed.Trained);
        Assert.Equal(1, resumed.Evaluations);
        Assert.Equal(firstBytes, File.ReadAllBytes(firstResult));
        Assert.Equal([first.Identity, second.Identity], results.Select(r => r.Identity));
        Assert.Equal(2, results[1].History.Count);
        Assert.InRange(results[1].Evaluation.Pgd, 0, results[1].Evaluation.Clean);
        Assert.Equal(3, results[1].Evaluation.AutoAttackImages);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_root, "results.csv")).Length);

        var again = new Recorder(cancel: null);
        Run(grid, again);
        Assert.Equal([(0, CellState.Finished), (1, CellState.Finished)], again.Reached);
        Assert.Empty(again.Trained);
        Assert.Equal(0, again.Evaluations);
    }

    [Fact]
    public void ResultOfOtherSettingsIsNotTakenAsFinished()
    {
        var json = TinyPlan.Json();
        json["methods"] = new System.Text.Json.Nodes.JsonArray("vanilla");
        var grid = PlanGrid.Expand(TinyPlan.Parse(json));
        Run(grid, new Recorder(cancel: null));

        // Only the evaluation changed: the trained model is reused and evaluated again (AutoAttack
        // on other points, so the first evaluation's saved AutoAttack state must not be resumed).
        json["evaluation"]!["pgd-steps"] = 3;
        json["evaluation"]!["autoattack-images"] = 2;
        var changed = PlanGrid.Expand(TinyPlan.Parse(json));
        var recorder = new Recorder(cancel: null);
        var results = Run(changed, recorder);
        Assert.Equal([(0, CellState.Trained)], recorder.Reached);
        Assert.Empty(recorder.Trained);
        Assert.Equal(1, recorder.Evaluations);
        Assert.Equal(changed.Cells[0].Identity, Assert.Single(results).Identity);
        Assert.Equal(2, results[0].Evaluation.AutoAttackImages);
    }
}
