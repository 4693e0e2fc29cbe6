namespace AutoLoRa.Training.Analysis;

/// <summary>One side of a gradient comparison: a scalar objective and the convolution weights (by layer name) it is differentiated against.</summary>
public sealed record ObjectiveSide(Tensor Loss, IReadOnlyList<(string Layer, Tensor Weight)> Weights)
{
    /// <summary>The weight of every convolution of the feature extractor, or only of those that carry a LoRA branch.</summary>
    public static IReadOnlyList<(string Layer, Tensor Weight)> ConvolutionWeights(Classifier model, bool loraOnly = false) =>
        model.Convolutions().Where(c => !loraOnly || c.Conv.HasLora).Select(c => (c.Name, c.Conv.Weight)).ToList();
}

/// <summary>Two objectives whose gradients <see cref="GradientSimilarity"/> compares, layer by layer (the layers both sides name).</summary>
public sealed record ObjectivePair(string Name, ObjectiveSide First, ObjectiveSide Second);
