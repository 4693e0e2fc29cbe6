namespace AutoLoRa.Cuda;

/// <summary>
/// The kernels of kernels/*.cu. <see cref="All"/> is generated at build time from the sources
/// (src/AutoLoRa.Kernels.Generator), so no name is written here: adding a kernel to a .cu file adds
/// it to this table, to the PTX module list and to <see cref="KernelLaunchers"/>.
/// </summary>
public static partial class KernelTable
{
    /// <summary>
    /// Every kernel <see cref="CudaBackend"/> launches, by family (= kernels/&lt;family&gt;.cu = one
    /// PTX module). The native runtime loads exactly these modules and looks these names up.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> Families { get; } = All
        .Where(k => k.LaunchedByBackend)
        .GroupBy(k => k.Family, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Select(k => k.Name).ToArray(), StringComparer.Ordinal);

    private static readonly Dictionary<string, KernelInfo> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The facts of <paramref name="kernel"/>, or a <see cref="Kernels.KernelException"/> naming it.</summary>
    public static KernelInfo Of(string kernel) =>
        ByName.TryGetValue(kernel, out var info) ? info
            : throw new Kernels.KernelException($"Kernel '{kernel}' is not declared in kernels/*.cu (no extern \"C\" __global__ of that name).");

    /// <summary>The family (module) that holds <paramref name="kernel"/>.</summary>
    public static string FamilyOf(string kernel) => Of(kernel).Family;
}
