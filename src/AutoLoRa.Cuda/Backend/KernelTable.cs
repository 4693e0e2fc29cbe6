namespace AutoLoRa.Cuda;

/// <summary>
/// Every kernel <see cref="CudaBackend"/> launches, by family (= kernels/&lt;family&gt;.cu = one PTX
/// module). The native runtime loads exactly these modules and looks these names up; a test
/// checks that the embedded PTX declares each of them.
/// </summary>
public static class KernelTable
{
    public static IReadOnlyDictionary<string, string[]> Families { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["elementwise"] = ["axpby_f32", "scale_f32", "mul_f32", "relu_f32", "relu_backward_f32", "sign_f32", "clamp_f32",
            "min_f32", "max_f32", "add_bias_f32"],
        ["reduce"] = ["sum_f32", "bias_backward_f32", "global_avg_pool_f32", "global_avg_pool_backward_f32"],
        ["rows"] = ["log_softmax_f32", "log_softmax_backward_f32", "argmax_rows_f32"],
        ["losses"] = ["softmax_ce_forward_f32", "softmax_ce_backward_f32", "kl_forward_f32", "kl_backward_f32", "mean_rows_f32"],
        ["pooling"] = ["maxpool_forward_f32", "maxpool_backward_f32"],
        ["resize"] = ["resize_bilinear_f32", "resize_bilinear_backward_f32"],
        ["optim"] = ["sgd_momentum_f32"],
        ["pgd_step"] = ["pgd_step_f32"],
    };

    /// <summary>The family (module) that holds <paramref name="kernel"/>.</summary>
    public static string FamilyOf(string kernel) =>
        Families.FirstOrDefault(f => f.Value.Contains(kernel)).Key
        ?? throw new Kernels.KernelException($"Kernel '{kernel}' is not in the CUDA backend's launch table.");
}
