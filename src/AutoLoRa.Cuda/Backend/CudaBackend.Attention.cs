using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cuda;

/// <summary>
/// Multi-head attention forward in one launch of kernels/attention.cu's fused kernel when the
/// sequence fits its shared-memory rows; longer sequences take the base class's composition
/// (one cuBLAS strided-batched GEMM per head for the scores, one softmax, one GEMM per head for the output).
/// </summary>
public sealed unsafe partial class CudaBackend
{
    /// <summary>The longest sequence attention_forward_f32 takes: AUTOLORA_ATTENTION_MAX_T in kernels/attention.cu.</summary>
    internal const int FusedAttentionMaxTokens = 256;

    /// <inheritdoc/>
    protected override void AttentionForwardCore(int n, int t, int heads, int headDim, float scale, DeviceBuffer qkv, DeviceBuffer o)
    {
        if (t <= FusedAttentionMaxTokens) _kernels.AttentionForwardF32(Ptr(qkv), Ptr(o), n, t, heads, headDim, scale);
        else base.AttentionForwardCore(n, t, heads, headDim, scale, qkv, o);
    }
}
