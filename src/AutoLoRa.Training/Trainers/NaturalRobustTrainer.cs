using AutoLoRa.Training.Analysis;

namespace AutoLoRa.Training.Trainers;

/// <summary>
/// A method whose loss is a natural and a robust (KL) term on one network, TRADES-style:
/// natural + β·robust, or λ1·natural + λ2·robust with automatic or fixed scalars. Vanilla RFT and
/// TWINS differ only in how they attack and compute the two terms.
/// </summary>
public abstract class NaturalRobustTrainer : Trainer
{
    protected NaturalRobustTrainer(Classifier model, float learningRate, float beta, float momentum, float weightDecay)
        : base(model, learningRate, momentum, weightDecay) => Beta = beta;

    /// <summary>TRADES's β (unused with automatic or fixed scalars).</summary>
    public float Beta { get; }

    public override Tensor Step(Tensor x, Tensor y, Random rng)
    {
        var (natural, robust) = Objectives(Model, x, y, rng);
        var (wNatural, wRobust) = AutoScalars is { } scalars ? (scalars.Weights.Lambda1, scalars.Weights.Lambda2) : (1f, Beta);
        return Optimize(Ops.Add(Ops.Scale(natural, wNatural), Ops.Scale(robust, wRobust)));
    }

    /// <summary>The natural term against the robust one, at every convolution's weight.</summary>
    public override IReadOnlyList<ObjectivePair> GradientObjectives(ModelCopies copies, Tensor x, Tensor y, Random rng)
    {
        var (natural, robust) = Objectives(copies.Model, x, y, rng);
        var weights = ObjectiveSide.ConvolutionWeights(copies.Model);
        return [new ObjectivePair("natural vs adversarial", new(natural, weights), new(robust, weights))];
    }

    /// <summary>Attacks the batch, then computes the natural and robust terms on <paramref name="model"/> in training mode.</summary>
    protected abstract (Tensor Natural, Tensor Robust) Objectives(Classifier model, Tensor x, Tensor y, Random rng);
}
