using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Diagnostics;

/// <summary>
/// What <see cref="BackendStepComparison"/> measured: each backend's losses per step and the
/// largest deviation of the candidate from the reference, scaled as |c − r| / (1 + |r|), over the
/// losses, every parameter and every buffer (running statistics) after the last step.
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

    public override string ToString() =>
        $"losses {string.Join(", ", ReferenceLosses.Select(l => l.ToString("F5")))} (reference) vs " +
        $"{string.Join(", ", CandidateLosses.Select(l => l.ToString("F5")))}; loss dev {LossDeviation:0.0E+0}, " +
        $"max param dev {ParameterDeviation:0.0E+0} in {WorstParameter} ({TensorsCompared} tensors, {ElementsCompared} values)";
}

/// <summary>
/// Runs the same AutoLoRa training steps on two backends from identical weights, data and
/// attack noise, and compares the results: the check that a backend computes the whole step (PGD
/// on the main path, both forward branches, CE + KL, backward, SGD with momentum and weight decay)
/// as the reference does. The model is a small ResNet with LoRA rank 2 on 1×8×8 inputs.
/// </summary>
public static class BackendStepComparison
{
    /// <summary>The tiny model both backends train.</summary>
    public static ModelSpec Spec { get; } = new("resnet-mini", Classes: 3, InChannels: 1, BaseWidth: 4, LoraRank: 2);

    public static StepComparison AutoLoraSteps(Backend reference, Backend candidate, int steps = 2, int batch = 12, int seed = 3)
    {
        var (images, labels) = Batch(batch, seed);
        using var referenceModel = ModelFactory.Create(reference, Spec, seed);
        using var candidateModel = ModelFactory.Create(candidate, Spec, seed);
        CopyState(referenceModel, candidateModel);

        var referenceLosses = Train(referenceModel, images, labels, steps, seed);
        var candidateLosses = Train(candidateModel, images, labels, steps, seed);

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

    private static float[] Train(Classifier model, float[] images, int[] labels, int steps, int seed)
    {
        var backend = model.Parameters().First().Backend;
        using var x = Tensor.FromArray(backend, images, new Shape(labels.Length, Spec.InChannels, 8, 8));
        using var y = Tensor.FromLabels(backend, labels);
        // Fixed λ1, λ2 so that all three loss terms count; PGD-10 at ε = 8/255 as in training.
        using var trainer = new AutoLora(model, new AttackSettings(), AutomaticScalars.Fixed(0.6f, 2.4f), () => 0.4f, learningRate: 0.05f);
        var losses = new float[steps];
        for (int step = 0; step < steps; step++)
        {
            using var scope = TensorScope.Begin();
            losses[step] = trainer.Step(x, y, new Random(seed * 1000 + step)).Item();
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
