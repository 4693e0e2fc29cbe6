using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Training.Tests;

namespace AutoLoRa.Distributed.Probe;

/// <summary>
/// The equivalence README states: for a loss that is a mean over samples and a model that couples
/// no samples (no batch-norm in training mode), the gradient averaged over N ranks, each holding
/// an equal share of a batch, is the one-process gradient of the whole batch. Rank 0 computes the
/// latter alone and compares; float summation order differs, so within a tolerance.
/// </summary>
internal static class EquivalenceCheck
{
    public static void Run(Communicator c)
    {
        using var cpu = new CpuBackend();
        var data = Tiny.Halves(8 * c.Size, seed: 5);
        const int features = 64, classes = 3;
        var rng = new Random(11);
        var w = Tensor.FromArray(cpu, [.. Enumerable.Range(0, classes * features).Select(_ => (float)(rng.NextDouble() - 0.5))], new Shape(classes, features));
        var b = Tensor.FromArray(cpu, [0.1f, -0.2f, 0.05f], new Shape(classes));
        w.RequiresGrad = b.RequiresGrad = true;

        var averager = new GradientAverager(c, [w, b], bucketBytes: 100 * sizeof(float));
        var mine = Enumerable.Range(0, data.Count).Where(i => i % c.Size == c.Rank).ToArray();
        var shared = Gradients(cpu, data, mine, w, b, averager);
        if (!c.IsRoot) return;
        var whole = Gradients(cpu, data, [.. Enumerable.Range(0, data.Count)], w, b, listener: null);
        float worst = 0;
        for (int k = 0; k < whole.Length; k++) worst = Math.Max(worst, Math.Abs(whole[k] - shared[k]));
        if (worst > 1e-6f) throw new InvalidOperationException($"rank 0: the averaged gradient differs from the whole batch's by {worst}.");
        Console.WriteLine($"equivalence: largest difference {worst:E2} over {whole.Length} gradient elements");
    }

    /// <summary>d mean CE / d (w, b) on the samples <paramref name="indices"/>, flattened; averaged over the ranks when a listener is given.</summary>
    private static float[] Gradients(CpuBackend cpu, Data.ImageDataset data, int[] indices, Tensor w, Tensor b, GradientAverager? listener)
    {
        using var scope = TensorScope.Begin();
        int pixels = data.Channels * data.Height * data.Width;
        var x = new float[indices.Length * pixels];
        for (int s = 0; s < indices.Length; s++)
            for (int p = 0; p < pixels; p++) x[s * pixels + p] = data.Pixels[indices[s] * pixels + p] / 255f;
        var images = Tensor.FromArray(cpu, x, new Shape(indices.Length, pixels));
        var labels = Tensor.FromLabels(cpu, [.. indices.Select(i => data.Labels[i])]);
        w.ZeroGrad();
        b.ZeroGrad();
        Ops.CrossEntropy(Ops.Linear(images, w, b), labels).Backward(listener);
        listener?.Complete();
        return [.. w.Grad!.ToArray(), .. b.Grad!.ToArray()];
    }
}
