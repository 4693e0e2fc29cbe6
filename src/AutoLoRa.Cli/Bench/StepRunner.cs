using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;
using AutoLoRa.Distributed;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Trainers;
using AutoLoRa.Training.Workloads;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// One step of a WORKLOADS.md workload, ready to run again and again: the model, its trainer, the fixed
/// random batch and every step's generator, made once, so the harness allocates nothing per step and
/// two runners can alternate in one process (<see cref="OverheadBench"/>).
/// </summary>
internal sealed class StepRunner : IDisposable
{
    private readonly Backend _backend;
    private readonly Classifier _model;
    private readonly Trainer? _trainer;
    private readonly Tensor _images;
    private readonly Tensor _labels;
    private readonly float[] _hostLogits;
    private readonly Random[] _generators;

    /// <summary>Makes the model, trainer and batch of <paramref name="step"/> on <paramref name="workload"/>, for
    /// <paramref name="steps"/> steps (warm-up included: step i draws from its own generator). Under
    /// <paramref name="replicas"/> the step's gradients are averaged over the ranks; <paramref name="labelForProfiling"/>
    /// names the model's layers in a profile.</summary>
    public StepRunner(Backend backend, BenchmarkWorkload workload, string step, int steps, Communicator replicas, bool labelForProfiling)
    {
        _backend = backend;
        _model = ModelFactory.Create(backend, workload.Spec(step), seed: 1);
        _trainer = BenchmarkWorkload.CreateTrainer(_model, step);
        // A replica's step: its gradients averaged over the ranks in buckets, as a data-parallel run does.
        Averager = replicas.IsDistributed && _trainer is not null ? new GradientAverager(replicas, _model.Parameters()) : null;
        if (_trainer is not null) _trainer.ReplicaGradients = Averager;
        Batch = workload.BatchFor(step);
        var inputs = workload.RandomBatch(backend, step);
        _images = inputs.Images;
        _labels = inputs.Labels;
        if (labelForProfiling) _model.LabelForProfiling();
        // The logits come back to the host every inference step, into one array so the harness itself allocates nothing.
        _hostLogits = new float[Batch * BenchmarkWorkload.Classes];
        // Each step's generator is made up front: it belongs to the harness, not to the step being measured.
        _generators = Enumerable.Range(0, steps).Select(i => new Random(i)).ToArray();
    }

    public int Batch { get; }

    /// <summary>The all-reduce of a replica's gradients; null in a single process.</summary>
    public GradientAverager? Averager { get; }

    /// <summary>Runs step <paramref name="index"/> and waits for the backend to finish it.</summary>
    public void Run(int index)
    {
        using var scope = TensorScope.BeginRecycling();
        using var phase = OpProfiler.Phase(_trainer is null ? "infer" : "train");
        if (_trainer is null)
        {
            _model.Eval();
            using (GradMode.NoGrad()) _backend.Download(_model.Forward(_images).Buffer, _hostLogits);
        }
        else
        {
            _trainer.Step(_images, _labels, _generators[index]).Item();
        }
        _backend.Synchronize();
    }

    public void Dispose()
    {
        _images.Dispose();
        _labels.Dispose();
        _trainer?.Dispose();
        _model.Dispose();
    }
}
