namespace AutoLoRa.Core.Backends;

/// <summary>
/// LayerNorm over the last axis of a (rows, cols) matrix. Declared by hand because the per-row
/// statistics and the per-column affine parameters are not rows·cols long; GELU and softmax are
/// declared by their kernels (kernels/transformer.cu).
/// </summary>
public abstract partial class Backend
{
    /// <summary>
    /// Multi-head self-attention read in place from a qkv projection's output: qkv is (N, T, 3·D)
    /// with D = heads·headDim, each token's q, k and v blocks in that order and each block the
    /// heads side by side (timm's layout); o (N, T, D) gets softmax(scale·Q·Kᵀ)·V of every head,
    /// head h in columns h·headDim …. o must not overlap qkv.
    /// </summary>
    public void AttentionForward(int n, int t, int heads, int headDim, float scale, DeviceBuffer qkv, DeviceBuffer o)
    {
        PrimitiveChecks.AttentionForward(n, t, heads, headDim, qkv, o);
        using var timer = Profile(nameof(AttentionForward));
        AttentionForwardCore(n, t, heads, headDim, scale, qkv, o);
    }

    /// <summary>
    /// This backend's <see cref="AttentionForward"/>, called once the arguments passed its checks.
    /// The default composes primitives: one strided-batched GEMM per head for the scores, one
    /// softmax over all rows, one GEMM per head for the output, through an (N, H, T, T) scratch.
    /// The CPU backend fuses them per (sample, head); the CUDA backend in one kernel for short sequences.
    /// </summary>
    protected virtual void AttentionForwardCore(int n, int t, int heads, int headDim, float scale, DeviceBuffer qkv, DeviceBuffer o)
    {
        var g = new AttentionHeads(n, t, heads, headDim, scale);
        var p = Allocate(g.ScoreCount);
        try
        {
            g.Weights(this, qkv, p);
            g.Output(this, p, qkv, o);
        }
        finally
        {
            p.Release();
        }
    }

    /// <summary>
    /// The gradient of <see cref="AttentionForward"/>: dqkv (N, T, 3·D) from qkv and dO (N, T, D),
    /// the attention matrices recomputed (nothing is kept from the forward pass). dqkv is written
    /// whole and must not overlap qkv or dO.
    /// </summary>
    public void AttentionBackward(int n, int t, int heads, int headDim, float scale, DeviceBuffer qkv, DeviceBuffer dO, DeviceBuffer dqkv)
    {
        PrimitiveChecks.AttentionBackward(n, t, heads, headDim, qkv, dO, dqkv);
        using var timer = Profile(nameof(AttentionBackward));
        AttentionBackwardCore(n, t, heads, headDim, scale, qkv, dO, dqkv);
    }

    /// <summary>
    /// This backend's <see cref="AttentionBackward"/>, called once the arguments passed its checks.
    /// The default composes primitives: five strided-batched GEMMs per head and two row softmaxes
    /// through two (N, H, T, T) scratch buffers; the CPU backend fuses them per (sample, head).
    /// </summary>
    protected virtual void AttentionBackwardCore(int n, int t, int heads, int headDim, float scale, DeviceBuffer qkv, DeviceBuffer dO,
        DeviceBuffer dqkv) => new AttentionHeads(n, t, heads, headDim, scale).Gradient(this, qkv, dO, dqkv);

    /// <summary>
    /// PyTorch's LayerNorm of each row: y = (x − μ)/sqrt(σ² + eps)·γ + β with σ² the biased
    /// variance. Writes the row means and 1/sqrt(σ² + eps) (rows each) for the backward.
    /// </summary>
    public void LayerNorm(int rows, int cols, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta, float eps,
        DeviceBuffer y, DeviceBuffer mean, DeviceBuffer rstd)
    {
        PrimitiveChecks.LayerNorm(nameof(LayerNorm), rows, cols, (x, "x"), (y, "y"), [(gamma, "gamma"), (beta, "beta")], [(mean, "mean"), (rstd, "rstd")]);
        using var timer = Profile(nameof(LayerNorm));
        LayerNormCore(rows, cols, x, gamma, beta, eps, y, mean, rstd);
    }

    /// <summary>This backend's <see cref="LayerNorm"/>, called once the arguments passed its checks.</summary>
    protected abstract void LayerNormCore(int rows, int cols, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta, float eps,
        DeviceBuffer y, DeviceBuffer mean, DeviceBuffer rstd);

    /// <summary>dx of <see cref="LayerNorm"/>: with x̂ = (x − μ)·r and g = dy·γ, dx = r·(g − mean(g) − x̂·mean(g·x̂)).</summary>
    public void LayerNormBackward(int rows, int cols, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer gamma, DeviceBuffer mean,
        DeviceBuffer rstd, DeviceBuffer dx)
    {
        PrimitiveChecks.LayerNorm(nameof(LayerNormBackward), rows, cols, (x, "x"), (dy, "dy"), [(gamma, "gamma")], [(mean, "mean"), (rstd, "rstd")]);
        PrimitiveChecks.Rows(nameof(LayerNormBackward), rows, cols, (dx, "dx"));
        using var timer = Profile(nameof(LayerNormBackward));
        LayerNormBackwardCore(rows, cols, x, dy, gamma, mean, rstd, dx);
    }

    /// <summary>This backend's <see cref="LayerNormBackward"/>, called once the arguments passed its checks.</summary>
    protected abstract void LayerNormBackwardCore(int rows, int cols, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer gamma,
        DeviceBuffer mean, DeviceBuffer rstd, DeviceBuffer dx);

    /// <summary>dγ = Σ_rows dy·x̂ and dβ = Σ_rows dy (cols each) of <see cref="LayerNorm"/>, from the saved statistics.</summary>
    public void LayerNormParamsBackward(int rows, int cols, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer mean, DeviceBuffer rstd,
        DeviceBuffer dgamma, DeviceBuffer dbeta)
    {
        PrimitiveChecks.LayerNorm(nameof(LayerNormParamsBackward), rows, cols, (x, "x"), (dy, "dy"), [(dgamma, "dgamma"), (dbeta, "dbeta")],
            [(mean, "mean"), (rstd, "rstd")]);
        using var timer = Profile(nameof(LayerNormParamsBackward));
        LayerNormParamsBackwardCore(rows, cols, x, dy, mean, rstd, dgamma, dbeta);
    }

    /// <summary>This backend's <see cref="LayerNormParamsBackward"/>, called once the arguments passed its checks.</summary>
    protected abstract void LayerNormParamsBackwardCore(int rows, int cols, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer mean,
        DeviceBuffer rstd, DeviceBuffer dgamma, DeviceBuffer dbeta);
}
