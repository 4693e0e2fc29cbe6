namespace AutoLoRa.Core.Autograd;

/// <summary>
/// What the engine tells a masking rule (<see cref="IReluMaskingRule"/>) about ReLU masks, and what
/// the rule tells it back.
/// <para>
/// The gradient of a ReLU's input is that of its output times the mask: dL/dz = dL/dy ⊙ [y &gt; 0]
/// for y = max(z, 0). As its own pass, the mask reads y and dL/dy and writes dL/dz (12 bytes an
/// element). A consumer of y that writes its gradient in a fused output stage can apply the mask
/// there for 4 bytes an element, reading y. The ReLU's own rule then uses that gradient as it is,
/// without a pass of its own. In an attack this removes one pass over every residual block's output
/// per iteration.
/// </para>
/// <para>
/// Exactness: the engine offers the mask only for an input whose producer declared a ReLU output
/// and which is not a target of <see cref="Backward.Grad(Tensor, Tensor[])"/> (whose caller asks
/// for dL/dy itself). The mask is linear and idempotent. So where masked and unmasked contributions
/// to one gradient meet, the engine passes the sum on as unmasked, and the producer's rule masks
/// it once more.
/// </para>
/// </summary>
internal readonly ref struct ReluMasks
{
    private readonly ReadOnlySpan<bool> _maskable;
    private readonly Span<bool> _masked;

    /// <param name="outputGradientMasked">The output's gradient already carries the output's ReLU mask.</param>
    /// <param name="maskable">Per input: the rule may hand back its gradient times [input &gt; 0].</param>
    /// <param name="masked">Per input, written by the rule: it did.</param>
    public ReluMasks(bool outputGradientMasked, ReadOnlySpan<bool> maskable, Span<bool> masked)
    {
        if (maskable.Length != masked.Length) throw new ArgumentException("One flag per input in both spans.", nameof(masked));
        OutputGradientMasked = outputGradientMasked;
        _maskable = maskable;
        _masked = masked;
    }

    /// <summary>None: no gradient masked, none may be (a rule called outside the engine's sweep).</summary>
    public static ReluMasks None => default;

    /// <summary>The output's gradient is already dL/dz, the ReLU mask of the output applied: the rule skips its own.</summary>
    public bool OutputGradientMasked { get; }

    /// <summary>
    /// gy ⊙ [y &gt; 0] for a rule whose output <paramref name="y"/> is a ReLU's, as a new tensor the caller
    /// disposes; null when <paramref name="gy"/> arrived masked already and is the masked gradient itself.
    /// </summary>
    public Tensor? MaskOutputGradient(Tensor y, Tensor gy)
    {
        if (OutputGradientMasked) return null;
        var masked = Tensor.Empty(y.Backend, y.Shape);
        y.Backend.ReluBackward(y.ElementCount, y.Buffer, gy.Buffer, masked.Buffer);
        return masked;
    }

    /// <summary>Whether input <paramref name="input"/> is a ReLU's output whose gradient the rule may return masked by [input &gt; 0].</summary>
    public bool MayMask(int input) => input < _maskable.Length && _maskable[input];

    /// <summary>Records that the gradient returned for <paramref name="input"/> is masked by [input &gt; 0].</summary>
    public void Masked(int input)
    {
        if (!MayMask(input)) throw new InvalidOperationException($"Input {input}'s gradient may not be masked: it is not a ReLU's output, or it is a target of the gradient.");
        _masked[input] = true;
    }
}
