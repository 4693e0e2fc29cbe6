using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AutoLoRa.Core.Backends;
using AutoLoRa.Data;
using AutoLoRa.Distributed;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training.Evaluation;
using AutoLoRa.Training.Recipes;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Reproduction;

/// <summary>
/// Runs a plan's cells in order and keeps results.md/csv current after each. Resumable at every
/// level: a cell whose result matches its identity is skipped; a trained cell is only evaluated
/// (AutoAttack resumes from its saved state); a half-trained cell continues from its run
/// checkpoint; a backbone is pre-trained once, when the first cell that needs it runs.
/// <para>
/// With <paramref name="replicas"/> of several ranks (every rank runs the same plan) each cell's
/// fine-tuning and evaluation run data-parallel over them. Rank 0 alone reads what is finished or
/// trained and tells the others, and alone writes results and tables; training checkpoints are
/// read by every rank, as a data-parallel run reads them, so the output folder must be on a file
/// system every rank sees.
/// </para>
/// </summary>
public sealed class ReproductionRunner(Backend backend, IPlanSources sources, IReproductionMonitor monitor, Communicator? replicas = null)
{
    private readonly Communicator _replicas = replicas ?? SingleProcess.Instance;
    private readonly Dictionary<(string Spec, string? Classes, int? Limit, int Seed), IImageSet> _train = [];
    private readonly Dictionary<(string Spec, string? Classes, int? Limit), IImageSet> _test = [];

    /// <summary>Runs every unfinished cell of <paramref name="grid"/> under <paramref name="store"/>; returns all results, in grid order.</summary>
    public IReadOnlyList<CellResult> Run(PlanGrid grid, ResultStore store, CancellationToken cancel = default)
    {
        var results = new List<CellResult>();
        for (int i = 0; i < grid.Cells.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var cell = grid.Cells[i];
            if (FromRoot(() => store.ReadResult(cell), ResultStoreJsonContext.Default.CellResult, $"the result of cell {cell.Name}") is { } done)
            {
                monitor.CellReached(i, grid.Cells.Count, cell, CellState.Finished);
                results.Add(done);
                continue;
            }
            var result = RunCell(grid, store, cell, i, cancel);
            if (_replicas.IsRoot) store.WriteResult(cell, result);
            monitor.CellFinished(cell, result);
            results.Add(result);
            if (_replicas.IsRoot) store.WriteTables(grid, results);
        }
        if (_replicas.IsRoot) store.WriteTables(grid, results);
        return results;
    }

    /// <summary>What the runner would do with <paramref name="cell"/> now, without doing it.</summary>
    public static CellState StateOf(PlanCell cell, ResultStore store)
    {
        string dir = store.CellDirectory(cell);
        if (store.ReadResult(cell) is not null) return CellState.Finished;
        if (ResultStore.ReadTrained(dir, cell.TrainingIdentity) is not null) return CellState.Trained;
        return File.Exists(Path.Combine(dir, RunCheckpoint.FileName)) ? CellState.Resuming : CellState.Starting;
    }

    private CellResult RunCell(PlanGrid grid, ResultStore store, PlanCell cell, int index, CancellationToken cancel)
    {
        string dir = store.CellDirectory(cell);
        monitor.CellReached(index, grid.Cells.Count, cell, StateOf(cell, store));
        var d = cell.Dataset;
        var test = Cached(_test, (d.Data, d.Classes, grid.Plan.TestImages), () => sources.Test(d.Data, d.Classes, grid.Plan.TestImages));
        var trained = FromRoot(() => ResultStore.ReadTrained(dir, cell.TrainingIdentity), ResultStoreJsonContext.Default.TrainedRun, $"the training of cell {cell.Name}")
                      ?? FineTune(store, cell, dir, test, cancel);

        string best = Path.Combine(dir, "best.safetensors");
        using var model = ModelFile.Load(best, backend);
        // Keyed by the evaluation too: a state saved under other evaluation settings (ε, points) must not be resumed.
        string state = Path.Combine(dir, $"autoattack-{cell.Identity[..10]}-{ModelIdentity.Of(best)}.json");
        var evaluation = monitor.Evaluate($"{cell.Name}: evaluate",
            p => RobustnessEvaluation.Run(backend, model, test, grid.Plan.Evaluation, cell.Seed, state, p, _replicas));
        return new CellResult(cell.Identity, d.Name, cell.Model.Name, cell.Method, cell.Ablation, cell.Seed, evaluation, trained.Seconds, trained.History);
    }

    /// <summary>Fine-tunes the cell's backbone; <paramref name="test"/> is what it is scored on, which picks its checkpoint only with select-on test.</summary>
    private TrainedRun FineTune(ResultStore store, PlanCell cell, string dir, IImageSet test, CancellationToken cancel)
    {
        string backbone = Backbone(store, cell.Model, cancel);
        var train = TrainData(cell.Dataset.Data, cell.Dataset.Classes, cell.Dataset.TrainImages, cell.Seed);
        using var model = sources.OpenBackbone(backend, backbone, train.ClassCount, train.Channels);
        return Train(cell.Name, model, train, cell.Settings with { RunDirectory = dir }, cell.TrainingIdentity, cancel, test);
    }

    /// <summary>The backbone file of <paramref name="model"/>: its checkpoint, or its pre-training's best weights (pre-trained now if need be).</summary>
    private string Backbone(ResultStore store, GridModel model, CancellationToken cancel)
    {
        if (model.Entry.Checkpoint is { } checkpoint) return checkpoint;
        string dir = store.ModelDirectory(model);
        if (FromRoot(() => ResultStore.ReadTrained(dir, model.Identity), ResultStoreJsonContext.Default.TrainedRun, $"the pre-training of {model.Name}") is null)
        {
            var p = model.Entry.Pretrain!;
            var data = TrainData(p.Data, p.Classes, p.TrainImages, p.Seed);
            using var network = ModelFactory.Create(backend, ModelSpec.ForImages(p.Architecture, data.ClassCount, data.Channels, p.Width, data.Height), p.Seed);
            Train($"pretrain {model.Name} (PGD-AT)", network, data, model.PretrainSettings! with { RunDirectory = dir }, model.Identity, cancel);
        }
        return Path.Combine(dir, "best.safetensors");
    }

    /// <summary>Recipe.Train (which resumes from the run's checkpoint), then the marker that training is done.</summary>
    private TrainedRun Train(string title, Classifier model, IImageSet data, RecipeSettings settings, string identity, CancellationToken cancel, IImageSet? test = null)
    {
        var run = monitor.Train(title, settings.Epochs, p => Recipe.Train(backend, model, data, settings, p, cancel, _replicas, test));
        var trained = new TrainedRun(identity, [.. run.History]);
        if (_replicas.IsRoot) ResultStore.WriteTrained(settings.RunDirectory, trained);
        // Rank 0 wrote the model files inside Recipe.Train; the others read them next.
        _replicas.Barrier($"the files of {title}");
        return trained;
    }

    /// <summary>What rank 0 reads from the output folder, handed to every rank, so all make the same decision whatever their file systems show.</summary>
    private T? FromRoot<T>(Func<T?> read, JsonTypeInfo<T> type, string what) where T : class
    {
        if (!_replicas.IsDistributed) return read();
        var bytes = RootBytes.Share(_replicas, () => read() is { } value ? JsonSerializer.SerializeToUtf8Bytes(value, type) : [], what);
        return bytes.Length == 0 ? null : JsonSerializer.Deserialize(bytes, type);
    }

    /// <summary>Loaded once per plan run; the seed picks a subset only when there is a limit, so without one all seeds share the data.</summary>
    private IImageSet TrainData(string spec, string? classes, int? limit, int seed) =>
        Cached(_train, (spec, classes, limit, limit is null ? 0 : seed), () => sources.Train(spec, classes, limit, seed));

    private static TValue Cached<TKey, TValue>(Dictionary<TKey, TValue> cache, TKey key, Func<TValue> load) where TKey : notnull
    {
        if (!cache.TryGetValue(key, out var value)) cache[key] = value = load();
        return value;
    }
}
