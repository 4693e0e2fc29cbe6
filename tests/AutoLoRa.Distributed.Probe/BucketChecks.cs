using AutoLoRa.Core;
using AutoLoRa.Cpu;

namespace AutoLoRa.Distributed.Probe;

/// <summary>
/// Gradient averaging through backward, for bucket caps that put a boundary after every parameter,
/// after some, and nowhere; the ranks build their losses in opposite orders, so backward completes
/// the gradients in different orders on each, and one parameter gets no gradient at all.
/// </summary>
internal static class BucketChecks
{
    private static readonly int[] Sizes = [1, 3, 7, 100, 1001, 5, 2];

    public static void Run(Communicator c)
    {
        using var cpu = new CpuBackend();
        int total = Sizes.Sum();
        foreach (int capFloats in new[] { 1, 3, 8, 110, 1106, total })
        {
            var parameters = Sizes.Select(n => Tensor.Zeros(cpu, new Shape(n))).ToArray();
            foreach (var p in parameters) p.RequiresGrad = true;
            var averager = new GradientAverager(c, parameters, capFloats * sizeof(float));
            // Two steps, so state left from the first (buckets, arrivals) would show in the second.
            for (int step = 0; step < 2; step++)
            {
                using var scope = TensorScope.Begin();
                var used = Enumerable.Range(0, parameters.Length - 1);
                if (c.Rank % 2 == 1) used = used.Reverse();
                Tensor? loss = null;
                foreach (int i in used)
                {
                    var weights = Tensor.FromArray(cpu, Coefficients(c.Rank, i, step), parameters[i].Shape);
                    var term = Ops.Sum(Ops.Multiply(parameters[i], weights));
                    loss = loss is null ? term : Ops.Add(loss, term);
                }
                foreach (var p in parameters) p.ZeroGrad();
                loss!.Backward(averager);
                averager.Complete();
                for (int i = 0; i < parameters.Length - 1; i++)
                {
                    var expected = new float[Sizes[i]];
                    for (int r = 0; r < c.Size; r++)
                    {
                        var mine = Coefficients(r, i, step);
                        for (int j = 0; j < expected.Length; j++) expected[j] += mine[j];
                    }
                    var actual = parameters[i].Grad!.ToArray();
                    for (int j = 0; j < expected.Length; j++)
                        Expect.Equal(expected[j] / c.Size, actual[j], $"cap {capFloats}, step {step}, parameter {i}, element {j}", c);
                }
                Expect.Equal(true, parameters[^1].Grad is null, $"cap {capFloats}: the parameter outside the loss has no gradient", c);
            }
            foreach (var p in parameters) p.Dispose();
        }
    }

    /// <summary>Exact in float (quarters of small integers), so sums and averages compare exactly.</summary>
    private static float[] Coefficients(int rank, int parameter, int step) =>
        [.. Enumerable.Range(0, Sizes[parameter]).Select(j => (rank + 1) * (parameter + 1) + step + (j % 13) * 0.25f)];
}
