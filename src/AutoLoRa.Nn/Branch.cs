namespace AutoLoRa.Nn;

/// <summary>
/// Which of AutoLoRa's two paths a forward pass takes through a model with LoRA branches.
/// </summary>
public enum Branch
{
    /// <summary>The feature extractor's own weights (W): the adversarial path, and the only path of a model without LoRA.</summary>
    Main,

    /// <summary>
    /// The natural path: every LoRA-carrying convolution computes with W.detach() + s·reshape(B@A),
    /// and batch-norm affine parameters are detached, so only A, B and the classifier receive
    /// gradients. Batch-norm running statistics still update in training mode.
    /// </summary>
    Natural,
}
