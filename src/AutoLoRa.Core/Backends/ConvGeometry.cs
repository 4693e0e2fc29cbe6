namespace AutoLoRa.Core.Backends;

/// <summary>
/// Everything a 2-D convolution primitive needs to know about its operands: input (N, C, H, W),
/// filter (K, C, R, S), stride and zero padding. Output is (N, K, OutH, OutW). Dilation and groups
/// are not used by any model this project trains, so they are not part of the contract.
/// </summary>
public readonly record struct ConvGeometry(
    int N, int C, int H, int W, int K, int R, int S,
    int StrideH = 1, int StrideW = 1, int PadH = 0, int PadW = 0)
{
    /// <summary>Output height.</summary>
    public int OutH => (H + 2 * PadH - R) / StrideH + 1;

    /// <summary>Output width.</summary>
    public int OutW => (W + 2 * PadW - S) / StrideW + 1;

    /// <summary>Elements of the input.</summary>
    public int InputSize => N * C * H * W;

    /// <summary>Elements of the filter.</summary>
    public int FilterSize => K * C * R * S;

    /// <summary>Elements of the output.</summary>
    public int OutputSize => N * K * OutH * OutW;

    /// <summary>Throws a message naming the geometry if it cannot describe a valid convolution.</summary>
    public void Validate()
    {
        if (N <= 0 || C <= 0 || H <= 0 || W <= 0 || K <= 0 || R <= 0 || S <= 0 || StrideH <= 0 || StrideW <= 0 || PadH < 0 || PadW < 0)
        {
            throw new ArgumentException($"Invalid convolution geometry {this}.");
        }
        if (H + 2 * PadH < R || W + 2 * PadW < S)
        {
            throw new ArgumentException($"Convolution kernel {R}x{S} is larger than the padded input {H + 2 * PadH}x{W + 2 * PadW} ({this}).");
        }
    }

    // The generated ToString would evaluate OutH/OutW, which divide by the stride: print the
    // output size only when it is defined, so describing an invalid geometry cannot throw.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"N = {N}, C = {C}, H = {H}, W = {W}, K = {K}, R = {R}, S = {S}, StrideH = {StrideH}, StrideW = {StrideW}, PadH = {PadH}, PadW = {PadW}");
        if (StrideH > 0 && StrideW > 0) builder.Append($", OutH = {OutH}, OutW = {OutW}");
        return true;
    }
}

/// <summary>
/// A 2-D pooling window over input (N, C, H, W). Average pooling counts padded zeros in the
/// divisor, as PyTorch does by default (count_include_pad = True).
/// </summary>
public readonly record struct PoolGeometry(int N, int C, int H, int W, int Kernel, int Stride, int Pad = 0)
{
    /// <summary>Output height.</summary>
    public int OutH => (H + 2 * Pad - Kernel) / Stride + 1;

    /// <summary>Output width.</summary>
    public int OutW => (W + 2 * Pad - Kernel) / Stride + 1;

    /// <summary>Elements of the input.</summary>
    public int InputSize => N * C * H * W;

    /// <summary>Elements of the output.</summary>
    public int OutputSize => N * C * OutH * OutW;

    /// <summary>Throws a message naming the field when the geometry is impossible.</summary>
    public void Validate()
    {
        if (N <= 0 || C <= 0 || H <= 0 || W <= 0 || Kernel <= 0 || Stride <= 0 || Pad < 0 || 2 * Pad > Kernel || H + 2 * Pad < Kernel || W + 2 * Pad < Kernel)
        {
            throw new ArgumentException($"Invalid pooling geometry {this}.");
        }
    }

    // See ConvGeometry.PrintMembers: ToString must not divide by a zero stride.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"N = {N}, C = {C}, H = {H}, W = {W}, Kernel = {Kernel}, Stride = {Stride}, Pad = {Pad}");
        if (Stride > 0) builder.Append($", OutH = {OutH}, OutW = {OutW}");
        return true;
    }
}
