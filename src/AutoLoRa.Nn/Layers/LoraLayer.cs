using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Nn.Layers;

/// <summary>
/// A layer whose weight W can carry a LoRA branch: factors A ~ N(0, 1) and B = 0 stored as
/// <c>lora_A</c> and <c>lora_B</c> (loralib's names), scale s = 1/r, and the natural path computing
/// with W.detach() + s·reshape(B @ A), so that only A and B learn there (AutoLoRa's split). The
/// shapes of A and B are the subclass's (a convolution stacks its kernel rows; a linear layer
/// does not).
/// </summary>
public abstract class LoraLayer : Module
{
    private readonly Backend _backend;

    /// <summary>A layer whose parameters (and any LoRA factors) live on <paramref name="backend"/>.</summary>
    protected LoraLayer(Backend backend) => _backend = backend;

    /// <summary>W, registered as "weight" by the subclass.</summary>
    public Tensor Weight { get; protected init; } = null!;

    /// <summary>LoRA factor A of the natural branch W + s·BA, or null without LoRA.</summary>
    public Tensor? LoraA { get; private set; }

    /// <summary>LoRA factor B of the natural branch W + s·BA, or null without LoRA.</summary>
    public Tensor? LoraB { get; private set; }

    /// <summary>s in W + s·BA (1/r).</summary>
    public float LoraScale { get; private set; }

    /// <summary>A LoRA branch is attached.</summary>
    public bool HasLora => LoraA is not null;

    /// <summary>Adds a rank-<paramref name="rank"/> LoRA branch (A normal, B zero, so the natural path starts equal to W).</summary>
    public abstract void AddLora(int rank, Random rng);

    /// <summary>What the messages call this layer ("convolution", "linear layer").</summary>
    protected abstract string Noun { get; }

    /// <summary>Registers A (aRows × aCols, N(0, 1) from <paramref name="rng"/>) and B (bRows × aRows, zero) with s = 1/<paramref name="rank"/>.</summary>
    protected void AddFactors(int rank, Random rng, int aRows, int aCols, int bRows)
    {
        if (HasLora) throw new InvalidOperationException($"This {Noun} already has a LoRA branch.");
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        LoraA = RegisterParameter("lora_A", Tensor.FromArray(_backend, Init.Normal(rng, aRows * aCols), new Shape(aRows, aCols)));
        LoraB = RegisterParameter("lora_B", Tensor.Zeros(_backend, new Shape(bRows, aRows)));
        LoraScale = 1f / rank;
    }

    /// <summary>Folds the LoRA branch into W (W ← W + s·BA) and removes it: the natural path becomes the only path.</summary>
    public void MergeLora()
    {
        if (LoraA is null || LoraB is null) throw new InvalidOperationException($"This {Noun} has no LoRA branch to merge.");
        LoraGemm.Merge(_backend, LoraB.Shape[0], LoraB.Shape[1], LoraA.Shape[1], Weight.Buffer, LoraB.Buffer, LoraA.Buffer, LoraScale, Weight.Buffer);
        RemoveLora();
    }

    /// <summary>Discards the LoRA branch, leaving W as it is: the main path becomes the only path.</summary>
    public void RemoveLora()
    {
        if (LoraA is null || LoraB is null) throw new InvalidOperationException($"This {Noun} has no LoRA branch to remove.");
        UnregisterParameter(LoraA);
        UnregisterParameter(LoraB);
        LoraA.Dispose();
        LoraB.Dispose();
        LoraA = LoraB = null;
    }

    /// <summary>W on the main path; on the natural path the detached W plus the LoRA update (only A and B learn there).</summary>
    protected Tensor WeightFor(Branch branch)
    {
        if (branch == Branch.Main) return Weight;
        var w = Weight.Detach();
        return LoraA is not null && LoraB is not null ? Ops.LoraMerge(w, LoraB, LoraA, LoraScale) : w;
    }
}
