namespace AutoLoRa.Training.Analysis;

/// <summary>One side of a gradient comparison: a scalar objective and the feature-layer weights (by layer name) it is differentiated against.</summary>
public sealed record ObjectiveSide(Tensor Loss, IReadOnlyList<(string Layer, Tensor Weight)> Weights)
{
    /// <summary>
    /// The weight of every layer of the feature extractor that can carry LoRA (a ResNet's
    /// convolutions, a ViT's patch embedding and linear layers), or only of those that carry it.
    /// </summary>
    public static IReadOnlyList<(string Layer, Tensor Weight)> FeatureWeights(Classifier model, bool loraOnly = false) =>
        model.FeatureLayers().Where(l => !loraOnly || l.Layer.HasLora).Select(l => (l.Name, l.Layer.Weight)).ToList();
}

/// <summary>Two objectives whose gradients <see cref="GradientSimilarity"/> compares, layer by layer (the layers both sides name).</summary>
public sealed record ObjectivePair(string Name, ObjectiveSide First, ObjectiveSide Second);
