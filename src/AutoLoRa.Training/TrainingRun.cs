using System.Diagnostics;
using System.Text.Json;
using AutoLoRa.Distributed;
using AutoLoRa.Formats;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training.Analysis;
using AutoLoRa.Training.Evaluation;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Training;

/// <summary>
/// The epoch loop every method shares: batches from a seeded loader, the method's step, PGD
/// validation on a held-out split, the learning-rate schedule (with best-weight restores), and an
/// atomic checkpoint after every epoch, from which a killed run resumes to the same final weights.
/// Writes RunDirectory/log.jsonl, checkpoint.safetensors, best.safetensors and model.safetensors.
/// Given <paramref name="replicas"/> of more than one rank, it is one replica of a data-parallel run
/// (<see cref="DataParallel"/>); without, a one-process run.
/// </summary>
public sealed class TrainingRun(Backend backend, Trainer trainer, ILearningRateSchedule schedule, TrainingOptions options,
    Communicator? replicas = null)
{
    private readonly DataParallel _parallel = new(replicas ?? SingleProcess.Instance);

    /// <summary>Every epoch so far, resumed ones included.</summary>
    public IReadOnlyList<EpochRecord> History => _history;

    private readonly List<EpochRecord> _history = [];
    private IReadOnlyList<SafeTensorEntry>? _best;

    /// <summary>RunDirectory/checkpoint.safetensors: written after every epoch, resumed from.</summary>
    public string CheckpointPath => Path.Combine(options.RunDirectory, RunCheckpoint.FileName);

    /// <summary>RunDirectory/best.safetensors: the weights of the best validation robust accuracy (of the best test robust accuracy when <see cref="Run"/> is given a selection set).</summary>
    public string BestModelPath => Path.Combine(options.RunDirectory, "best.safetensors");

    /// <summary>RunDirectory/model.safetensors: the last weights.</summary>
    public string FinalModelPath => Path.Combine(options.RunDirectory, "model.safetensors");

    /// <summary>
    /// Trains on <paramref name="train"/>, validating on <paramref name="validation"/>; returns the epochs run in this call.
    /// With <paramref name="selection"/> (a reproduction's test set, for select-on test) best.safetensors holds the
    /// epoch of the best robust accuracy on it instead; the learning-rate schedule and its restores still follow validation.
    /// </summary>
    public int Run(IImageSet train, IImageSet validation, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default,
        IImageSet? selection = null)
    {
        Directory.CreateDirectory(options.RunDirectory);
        int start = TryResume();
        _parallel.Join(trainer, options, schedule.Kind, start, train, validation, selection);
        var augmentation = options.CropPadding > 0 || options.HorizontalFlip ? new Augmentation(options.CropPadding, options.HorizontalFlip) : null;
        var ordering = new EpochOrdering(Shuffle: true, DropLast: false, Seed: (ulong)options.Seed, Background: true, Prefetch: 2, _parallel.Shard);
        using var loader = train.CreateLoader(options.BatchSize, ordering, augmentation);
        var evaluator = new Evaluator(backend, Math.Max(options.BatchSize, 128));
        var gradSimData = options.GradSimBatches > 0
            ? TrainingProbe.Subset(train, options.GradSimBatches * options.BatchSize, options.Seed, TrainingProbe.GradientStream)
            : null;
        int ran = 0;
        for (int epoch = start; epoch < options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            trainer.Optimizer.LearningRate = schedule.Rate;
            float loss = TrainEpoch(loader, epoch, progress, cancel);

            progress?.Report(new TrainingProgress("validate", epoch, options.Epochs, 0, validation.Count, loss));
            _parallel.AverageStatistics(trainer.Model);
            // The same counts on every rank, so the schedule below decides the same on every rank.
            var (validationClean, validationRobust) = _parallel.Validate(evaluator, trainer.Model, validation, options.ValidationAttack, options.Seed);
            float rate = trainer.Optimizer.LearningRate;
            bool isBest = _history.Count == 0 || validationRobust > _history.Max(h => h.ValidationRobustAccuracy);
            if (isBest) _best = ModelStateCodec.ToEntries(trainer.Model).ToList();
            // Measured on the weights this epoch produced, before a schedule restore may replace them;
            // a diagnostic for the log, so only the rank that writes it measures.
            var similarity = gradSimData is null || !_parallel.WritesFiles ? null
                : GradientSimilarity.Measure(backend, trainer, gradSimData, options.GradSimBatches, options.BatchSize, options.Seed);
            var decision = schedule.AfterEpoch(epoch, validationRobust);
            if (decision.RestoreBest && _best is not null) ModelStateCodec.Load(trainer.Model, new SafeTensorsFile(_best), source: "best weights");
            var tested = selection is null ? ((float, float)?)null : SelectOnTest(evaluator, selection);

            var record = new EpochRecord(epoch, rate, loss, validationClean, validationRobust, clock.Elapsed.TotalSeconds,
                new Dictionary<string, float>(trainer.Scalars), decision.Note, similarity, tested?.Item1, tested?.Item2);
            _history.Add(record);
            if (_parallel.WritesFiles) SaveCheckpoint(epoch + 1);
            progress?.Report(new TrainingProgress("epoch", epoch, options.Epochs, validation.Count, validation.Count, loss, record));
            ran++;
            if (decision.Stop) break;
        }
        _parallel.CheckTrained(trainer.Model);
        if (!_parallel.WritesFiles) return ran;
        ModelFile.Save(FinalModelPath, trainer.Model);
        // Selected on the test set, best.safetensors was written when its epoch ran.
        if (_best is not null && selection is null) ModelFile.Save(BestModelPath, _best, trainer.Model.Spec);
        return ran;
    }

    /// <summary>
    /// Scores the weights the epoch ends with — after any schedule restore, as the reference scores the model it
    /// carries on with (its test evaluation follows the learning-rate rule) — on <paramref name="selection"/> with
    /// the validation attack, and writes them as best.safetensors when they beat every earlier epoch (the first
    /// epoch always, so the file exists). Counts are added over replicas, so every rank sees the same numbers; rank 0 writes.
    /// </summary>
    private (float Clean, float Robust) SelectOnTest(Evaluator evaluator, IImageSet selection)
    {
        var (clean, robust) = _parallel.Validate(evaluator, trainer.Model, selection, options.ValidationAttack, options.Seed);
        // From the log, so a resumed run compares with the epochs before the kill too.
        float best = _history.Where(h => h.TestRobustAccuracy is not null).Select(h => h.TestRobustAccuracy!.Value).DefaultIfEmpty(-1f).Max();
        if (robust > best && _parallel.WritesFiles) ModelFile.Save(BestModelPath, trainer.Model);
        return (clean, robust);
    }

    private float TrainEpoch(EpochLoader loader, int epoch, IProgress<TrainingProgress>? progress, CancellationToken cancel)
    {
        double lossSum = 0;
        int seen = 0;
        foreach (var batch in loader.Epoch(epoch, cancel))
        {
            trainer.OnEpochProgress(epoch, batch.Index, loader.BatchesPerEpoch);
            using var scope = TensorScope.BeginRecycling();
            var (x, y) = batch.ToTensors(backend);
            var loss = trainer.Step(x, y, BatchRandom.For(options.Seed, epoch, batch.Index));
            _parallel.AfterStep(trainer.Model);
            float value = loss.Item();
            if (!float.IsFinite(value))
            {
                throw new InvalidOperationException($"The {trainer.Method} loss became {value} at epoch {epoch + 1}, batch {batch.Index + 1}; lower the learning rate or check the data.");
            }
            lossSum += value * batch.Count;
            seen += batch.Count;
            progress?.Report(new TrainingProgress("train", epoch, options.Epochs, batch.Index + 1, loader.BatchesPerEpoch, (float)(lossSum / seen)));
        }
        return _parallel.MeanLoss(lossSum, seen);
    }

    private void SaveCheckpoint(int completedEpochs)
    {
        var state = new RunState(RunState.CurrentVersion, trainer.Method, completedEpochs, schedule.Kind, schedule.ExportState(),
            new Dictionary<string, float>(trainer.Scalars), [.. _history], _best is not null);
        RunCheckpoint.Save(CheckpointPath, trainer.Model, trainer.Optimizer, _best, state);
        WriteLog();
    }

    /// <summary>Rewrites log.jsonl from the history (so a resumed run's log has no duplicate or missing epochs).</summary>
    private void WriteLog()
    {
        string path = Path.Combine(options.RunDirectory, "log.jsonl");
        string temp = path + ".tmp";
        File.WriteAllLines(temp, _history.Select(h => JsonSerializer.Serialize(h, TrainingJsonContext.Default.EpochRecord)));
        File.Move(temp, path, overwrite: true);
    }

    private int TryResume()
    {
        if (!options.Resume || !File.Exists(CheckpointPath)) return 0;
        var (state, best) = RunCheckpoint.Load(CheckpointPath, trainer.Model, trainer.Optimizer);
        if (state.Method != trainer.Method || state.ScheduleKind != schedule.Kind)
        {
            throw new CheckpointException($"{CheckpointPath} belongs to a '{state.Method}' run with a '{state.ScheduleKind}' schedule, not '{trainer.Method}'/'{schedule.Kind}': use another run directory or --no-resume.");
        }
        schedule.ImportState(state.ScheduleState);
        trainer.RestoreScalars(state.Scalars);
        _history.Clear();
        _history.AddRange(state.History);
        _best = best;
        return state.CompletedEpochs;
    }
}
