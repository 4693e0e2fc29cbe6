using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Verify.Cases;

/// <summary>
/// What a <see cref="TrainingStepCase"/> measured: each backend's losses per step and the largest
/// deviation of the candidate from the reference, scaled as |c − r| / (1 + |r|), over the losses,
/// every parameter and every buffer (running statistics) after the last step.
/// </summary>
public sealed record StepComparison(
    IReadOnlyList<float> ReferenceLosses,
    IReadOnlyList<float> CandidateLosses,
    double LossDeviation,
    double ParameterDeviation,
    string WorstParameter,
    int TensorsCompared,
    long ElementsCompared)
{
    /// <summary>The larger of the loss and the parameter/buffer deviations.</summary>
    public double MaxDeviation => Math.Max(LossDeviation, ParameterDeviation);

    /// <inheritdoc/>
    public override string ToString() =>
        $"losses {string.Join(", ", ReferenceLosses.Select(l => l.ToString("F5")))} (reference) vs " +
        $"{string.Join(", ", CandidateLosses.Select(l => l.ToString("F5")))}; loss dev {LossDeviation:0.0E+0}, " +
        $"max param dev {ParameterDeviation:0.0E+0} in {WorstParameter} ({TensorsCompared} tensors, {ElementsCompared} values)";
}

/// <summary>
/// The whole AutoLoRa step as one case: the same training steps on the candidate and on the CPU
/// backend from identical weights, data and attack noise (PGD on the main path, both forward
/// branches, CE + KL, backward, SGD with momentum and weight decay), compared on the losses and
/// on every parameter and running statistic afterwards. The model is a small ResNet with LoRA
/// rank 2 on 1×8×8 inputs, or <see cref="Vit"/>.
/// </summary>
public sealed class TrainingStepCase : VerificationCase
{
    /// <summary>
    /// The bound the table holds a backend to. No bound follows from the device's roundings: PGD
    /// takes the sign of each input gradient, so a rounding that flips a near-zero one moves that
    /// pixel by 2α, and everything after it moves by a jump, not by a rounding. What is derived is
    /// the continuous part: with exp and log at the device's documented worst (ex2.approx,
    /// lg2.approx; DeviceMathBoundTests) the deviation stays near 2e-7, and at 32 times that error a
    /// flip moves it to about 5e-2. The bound sits between the two; a GPU whose summation order
    /// flips a sign fails it, which says the step differs, not that a kernel is wrong.
    /// </summary>
    public static Tolerance AnyDevice { get; } = Tolerance.Scaled(1e-3,
        "the step's roundings stay near 2e-7 with exp/log at their documented worst; a PGD sign flip (2α on a pixel) moves it by about 5e-2");

    /// <inheritdoc/>
    public override bool HasTf32Bound => false;

    /// <summary>The tiny model both backends train by default.</summary>
    public static ModelSpec Spec { get; } = new("resnet-mini", Classes: 3, InChannels: 1, BaseWidth: 4, LoraRank: 2);

    /// <summary>A vit-mini on the same images (a 2×2 grid of 4×4 patches), LoRA rank 2 on every block linear.</summary>
    public static ModelSpec Vit { get; } = new("vit-mini", Classes: 3, InChannels: 1, LoraRank: 2, ImageSize: 8);

    /// <summary>The model both backends train.</summary>
    public ModelSpec Model { get; init; } = Spec;

    /// <summary>Training steps per backend.</summary>
    public int Steps { get; init; } = 2;

    /// <summary>The bound on the largest deviation (see <see cref="AnyDevice"/>).</summary>
    public Tolerance Tolerance { get; init; } = AnyDevice;

    private const int BatchSize = 12, Seed = 3;

    /// <inheritdoc/>
    public override bool NeedsReferenceBackend => true;

    /// <inheritdoc/>
    public override CaseOutcome Check(Backend candidate, Backend? reference, MatrixPrecision bounds)
    {
        var comparison = Compare(candidate, Require(reference));
        var tolerance = Tolerance.For(bounds);
        // The deviation is already scaled by 1 + |r|, so it is measured against the bound alone.
        double ratio = tolerance.Ratio(comparison.MaxDeviation, 0);
        bool moved = comparison.CandidateLosses.Distinct().Count() == comparison.CandidateLosses.Count;
        string detail = $"{comparison} (tol {tolerance})";
        return new(ratio <= 1 && moved, moved ? detail : $"the losses did not change between steps; {detail}", ratio);
    }

    /// <summary>Trains on both backends and measures the deviation.</summary>
    public StepComparison Compare(Backend candidate, Backend reference)
    {
        var (images, labels) = Batch(BatchSize, Seed);
        using var referenceModel = ModelFactory.Create(reference, Model, Seed);
        using var candidateModel = ModelFactory.Create(candidate, Model, Seed);
        CopyState(referenceModel, candidateModel);

        var referenceLosses = Train(referenceModel, images, labels);
        var candidateLosses = Train(candidateModel, images, labels);

        double lossDeviation = referenceLosses.Zip(candidateLosses, (r, c) => Deviation(c, r)).Max();
        double worst = 0;
        string worstName = "";
        int tensors = 0;
        long elements = 0;
        var candidateState = State(candidateModel).ToDictionary(t => t.Name, t => t.Tensor);
        foreach (var (name, tensor) in State(referenceModel))
        {
            if (!candidateState.TryGetValue(name, out var other)) throw new InvalidOperationException($"The candidate model has no tensor {name}.");
            var r = tensor.ToArray();
            var c = other.ToArray();
            tensors++;
            elements += r.Length;
            for (int i = 0; i < r.Length; i++)
            {
                double d = Deviation(c[i], r[i]);
                if (d > worst || double.IsNaN(d))
                {
                    worst = double.IsNaN(d) ? double.PositiveInfinity : d;
                    worstName = name;
                }
            }
        }
        return new StepComparison(referenceLosses, candidateLosses, lossDeviation, worst, worstName, tensors, elements);
    }

    private float[] Train(Classifier model, float[] images, int[] labels)
    {
        var backend = model.Parameters().First().Backend;
        using var x = Tensor.FromArray(backend, images, new Shape(labels.Length, Model.InChannels, 8, 8));
        using var y = Tensor.FromLabels(backend, labels);
        // Fixed λ1, λ2 so that all three loss terms count; PGD-10 at ε = 8/255 as in training.
        using var trainer = new AutoLora(model, new PgdConfig(), AutomaticScalars.Fixed(0.6f, 2.4f), () => 0.4f, learningRate: 0.05f);
        var losses = new float[Steps];
        for (int step = 0; step < Steps; step++)
        {
            using var scope = TensorScope.Begin();
            losses[step] = trainer.Step(x, y, new Random(Seed * 1000 + step)).Item();
        }
        return losses;
    }

    private static IEnumerable<(string Name, Tensor Tensor)> State(Classifier model) =>
        model.NamedParameters().Concat(model.NamedBuffers().Where(b => b.Tensor.DType == DType.Float32));

    private static void CopyState(Classifier from, Classifier to)
    {
        var target = State(to).ToDictionary(t => t.Name, t => t.Tensor);
        foreach (var (name, tensor) in State(from))
        {
            var destination = target[name];
            destination.Backend.Upload(tensor.ToArray(), destination.Buffer);
        }
    }

    private static double Deviation(float candidate, float reference) => Math.Abs((double)candidate - reference) / (1 + Math.Abs((double)reference));

    /// <summary>Images of three classes (bright top, bottom or left half) with seeded noise, in [0, 1].</summary>
    private static (float[] Images, int[] Labels) Batch(int count, int seed)
    {
        var rng = new Random(seed);
        var images = new float[count * 64];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            labels[s] = s % 3;
            for (int r = 0; r < 8; r++)
            {
                for (int c = 0; c < 8; c++)
                {
                    bool bright = labels[s] switch { 0 => r < 4, 1 => r >= 4, _ => c < 4 };
                    images[(s * 8 + r) * 8 + c] = Math.Clamp((bright ? 0.7f : 0.3f) + 0.3f * ((float)rng.NextDouble() - 0.5f), 0f, 1f);
                }
            }
        }
        return (images, labels);
    }
}
