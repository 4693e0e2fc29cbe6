namespace AutoLoRa.Cuda;

/// <summary>
/// The compulsory memory traffic of each kernel the backend launches: bytes read per element of
/// what it reads and bytes written per element of what it writes, each array counted once
/// (re-reads that the cache serves, and per-row or per-channel extras such as labels and biases,
/// are left out). That is the kernel's bandwidth bound: <c>autolora bench kernels</c> divides it
/// by the measured time. The figures are the <c>// @traffic R + W</c> line above each kernel in
/// kernels/*.cu, read at build time into <see cref="KernelTable.All"/>; this class only looks them up.
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
    /// By kernel name, for every kernel the backend launches. Elementwise kernels read and write n
    /// elements; reductions read n and write one value per row, channel or plane; pooling and resize
    /// read the input and write the output (their backward kernels the other way round).
    /// </summary>
    public static IReadOnlyDictionary<string, Figure> PerElement { get; } = KernelTable.All
        .Where(k => k.LaunchedByBackend)
        .ToDictionary(k => k.Name, k => k.Traffic!.Value, StringComparer.Ordinal);

    /// <summary>The figure for <paramref name="kernel"/>, or a <see cref="Kernels.KernelException"/> naming it.</summary>
    public static Figure Of(string kernel) =>
        PerElement.TryGetValue(kernel, out var figure) ? figure
            : throw new Kernels.KernelException($"Kernel '{kernel}' has no traffic figure: it needs a // @traffic line in kernels/*.cu.");
}
