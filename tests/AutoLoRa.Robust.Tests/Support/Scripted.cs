using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Robust.Tests;

/// <summary>
/// A model whose answers are scripted: images are 1×1×2, pixel 0 encodes the point's id and pixel 1 is
/// 0.25 when clean and 0.75 once a scripted attack "breaks" it. The model misclassifies points listed
/// as clean errors and every broken image.
/// </summary>
public sealed class ScriptedModel(Backend backend, int[] labels, ISet<int> cleanErrors, int classes = 3) : ILogitModel
{
    public Backend Backend { get; } = backend;

    public static AttackBatch Data(int count, int classes = 3)
    {
        var images = new float[count * 2];
        for (int i = 0; i < count; i++)
        {
            images[2 * i] = (i + 0.5f) / count;
            images[2 * i + 1] = 0.25f;
        }
        return new AttackBatch(images, [.. Enumerable.Range(0, count).Select(i => i % classes)], 1, 1, 2);
    }

    public static int Id(ReadOnlySpan<float> image, int count) => (int)(image[0] * count);

    public Tensor Logits(Tensor x)
    {
        var pixels = x.ToArray();
        int n = x.Shape[0];
        var z = new float[n * classes];
        for (int s = 0; s < n; s++)
        {
            int id = Id(pixels.AsSpan(2 * s, 2), labels.Length);
            bool wrong = pixels[2 * s + 1] > 0.5f || cleanErrors.Contains(id);
            z[s * classes + (wrong ? (labels[id] + 1) % classes : labels[id])] = 5f;
        }
        return Tensor.FromArray(Backend, z, new Shape(n, classes));
    }
}

/// <summary>An attack that "breaks" a fixed set of point ids and records which ids it was given.</summary>
public sealed class ScriptedAttack(string name, int count, params int[] breaks) : IAttack
{
    public string Name { get; } = name;

    public List<int> Seen { get; } = [];

    /// <summary>Moves pixel 1 further than ε allows (a buggy attack).</summary>
    public bool LeaveTheBall { get; init; }

    /// <summary>Throws after this many batches (simulated interruption); −1 = never.</summary>
    public int FailAfterBatches { get; set; } = -1;

    public float[] Perturb(ILogitModel model, AttackBatch batch, Random rng)
    {
        if (FailAfterBatches == 0) throw new OperationCanceledException("interrupted");
        if (FailAfterBatches > 0) FailAfterBatches--;
        var output = (float[])batch.Images.Clone();
        for (int s = 0; s < batch.Count; s++)
        {
            int id = ScriptedModel.Id(batch.Image(s), count);
            Seen.Add(id);
            if (breaks.Contains(id)) output[2 * s + 1] = LeaveTheBall ? 0.95f : 0.75f;
        }
        return output;
    }
}
