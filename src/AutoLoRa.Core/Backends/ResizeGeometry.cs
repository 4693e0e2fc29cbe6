namespace AutoLoRa.Core.Backends;

/// <summary>How a resize samples its input, each as PyTorch's <c>F.interpolate</c> given an output size.</summary>
public enum ResizeMode
{
    /// <summary><c>mode='bilinear', align_corners=False</c>: two taps per axis.</summary>
    Bilinear,

    /// <summary><c>mode='nearest'</c> (F.interpolate's default): one tap per axis, at ⌊d·in/out⌋.</summary>
    Nearest,
}

/// <summary>
/// A resize of every (H, W) plane of an (N, C, H, W) input to (OutH, OutW) with PyTorch's
/// <c>F.interpolate</c> semantics given an output size. Along each axis the scale is in/out (a float
/// division). <see cref="ResizeMode.Bilinear"/>: output index d samples the input at
/// s = max(scale·(d + ½) − ½, 0), between i0 = ⌊s⌋ and i1 = min(i0 + 1, in − 1) with weights
/// 1 − (s − i0) and s − i0. <see cref="ResizeMode.Nearest"/>: the degenerate case of one tap,
/// i0 = i1 = min(⌊d·scale⌋, in − 1) with weights 1 and 0 — so the bilinear primitives run it unchanged.
/// Upsampling and downsampling use the same rule (no antialiasing).
/// </summary>
public readonly record struct ResizeGeometry(int N, int C, int H, int W, int OutH, int OutW, ResizeMode Mode = ResizeMode.Bilinear)
{
    /// <summary>Elements of the input.</summary>
    public int InputSize => N * C * H * W;

    /// <summary>Elements of the output.</summary>
    public int OutputSize => N * C * OutH * OutW;

    /// <summary>Input rows per output row, as PyTorch computes it (a float division).</summary>
    public float ScaleH => (float)H / OutH;

    /// <summary>Input columns per output column.</summary>
    public float ScaleW => (float)W / OutW;

    /// <summary>Throws a message naming the geometry if a size is not positive.</summary>
    public void Validate()
    {
        if (N <= 0 || C <= 0 || H <= 0 || W <= 0 || OutH <= 0 || OutW <= 0)
        {
            throw new ArgumentException($"Invalid resize geometry {this}: every size must be positive.");
        }
    }

    /// <summary>
    /// The two input indices and their weights for output index <paramref name="dst"/> along an axis
    /// of <paramref name="inSize"/> samples. Float arithmetic in the order PyTorch's kernels use, so
    /// the weights agree with it to the last bit wherever the compiler does not fuse the multiply-add
    /// (nearest: PyTorch 1.13's <c>nearest_idx</c>, float product then floor).
    /// </summary>
    public static (int I0, int I1, float W0, float W1) Taps(ResizeMode mode, float scale, int dst, int inSize)
    {
        if (mode == ResizeMode.Nearest)
        {
            int nearest = Math.Min((int)(dst * scale), inSize - 1); // truncation is the floor here: dst · scale ≥ 0
            return (nearest, nearest, 1f, 0f);
        }
        float src = scale * (dst + 0.5f) - 0.5f;
        if (src < 0) src = 0;
        int i0 = (int)src;
        int i1 = i0 < inSize - 1 ? i0 + 1 : i0;
        float w1 = src - i0;
        return (i0, i1, 1f - w1, w1);
    }
}
