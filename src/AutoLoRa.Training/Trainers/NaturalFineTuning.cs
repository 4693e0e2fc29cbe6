namespace AutoLoRa.Training.Trainers;

/// <summary>Plain cross-entropy fine-tuning on clean data: the non-robust reference point.</summary>
public sealed class NaturalFineTuning(Classifier model, float learningRate, float momentum = 0.9f, float weightDecay = 1e-4f)
    : Trainer(model, learningRate, momentum, weightDecay)
{
    public override string Method => "natural";

    public override Tensor Step(Tensor x, Tensor y, Random rng)
    {
        Model.Train();
        return Optimize(Ops.CrossEntropy(Model.Forward(x), y));
    }
}
