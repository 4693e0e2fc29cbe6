namespace AutoLoRa.Cuda;

/// <summary>
/// The compulsory memory traffic of every kernel in <see cref="KernelTable"/>: bytes read per
/// element of what it reads and bytes written per element of what it writes, each array counted
/// once (re-reads that the cache serves, and per-row or per-channel extras such as labels and
/// biases, are left out). That is the kernel's bandwidth bound: <c>autolora bench kernels</c>
/// divides it by the measured time. Each kernels/*.cu file states the same figures in a
/// "Traffic" comment block, and a test holds the two together.
/// </summary>
public static class KernelTraffic
{
    /// <summary>Bytes per element read and per element written.</summary>
    public readonly record struct Figure(int ReadBytes, int WriteBytes)
    {
        /// <summary>Bytes moved by a call that reads <paramref name="read"/> and writes <paramref name="written"/> elements.</summary>
        public long Bytes(long read, long written) => ReadBytes * read + WriteBytes * written;
    }

    /// <summary>
    /// By kernel name. Elementwise kernels read and write n elements; reductions read n and write
    /// one value per row, channel or plane; pooling and resize read the input and write the output
    /// (their backward kernels the other way round).
    /// </summary>
    public static IReadOnlyDictionary<string, Figure> PerElement { get; } = new Dictionary<string, Figure>(StringComparer.Ordinal)
    {
        ["axpby_f32"] = new(8, 4),
        ["scale_f32"] = new(4, 4),
        ["mul_f32"] = new(8, 4),
        ["relu_f32"] = new(4, 4),
        ["relu_backward_f32"] = new(8, 4),
        ["sign_f32"] = new(4, 4),
        ["clamp_f32"] = new(4, 4),
        ["min_f32"] = new(8, 4),
        ["max_f32"] = new(8, 4),
        ["add_bias_f32"] = new(4, 4),
        ["sum_f32"] = new(4, 4),
        ["bias_backward_f32"] = new(4, 4),
        ["global_avg_pool_f32"] = new(4, 4),
        ["global_avg_pool_backward_f32"] = new(4, 4),
        ["log_softmax_f32"] = new(4, 4),
        ["log_softmax_backward_f32"] = new(8, 4),
        ["argmax_rows_f32"] = new(4, 4),
        ["softmax_ce_forward_f32"] = new(4, 4),
        ["softmax_ce_backward_f32"] = new(4, 4),
        ["kl_forward_f32"] = new(8, 8),
        ["kl_backward_f32"] = new(8, 8),
        ["mean_rows_f32"] = new(4, 4),
        ["maxpool_forward_f32"] = new(4, 8),
        ["maxpool_backward_f32"] = new(8, 4),
        ["resize_bilinear_f32"] = new(4, 4),
        ["resize_bilinear_backward_f32"] = new(4, 4),
        ["sgd_momentum_f32"] = new(12, 8),
        ["pgd_step_f32"] = new(12, 4),
    };

    /// <summary>The figure for <paramref name="kernel"/>, or a <see cref="Kernels.KernelException"/> naming it.</summary>
    public static Figure Of(string kernel) =>
        PerElement.TryGetValue(kernel, out var figure) ? figure
            : throw new Kernels.KernelException($"Kernel '{kernel}' has no traffic figure in KernelTraffic.");
}
