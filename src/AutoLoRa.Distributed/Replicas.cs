using System.Security.Cryptography;
using AutoLoRa.Core;

namespace AutoLoRa.Distributed;

/// <summary>What keeps replicas one model: checks that they agree, and averaging of state that each keeps per replica.</summary>
public static class Replicas
{
    /// <summary>
    /// A debugging aid: every this many optimizer steps, the ranks compare their weights (a hash
    /// each), so a divergence is caught at the step it happens. Unset or 0: only at the start and end.
    /// </summary>
    public const string CheckEveryVariable = "AUTOLORA_CHECK_REPLICAS_EVERY";

    /// <summary>The period <see cref="CheckEveryVariable"/> asks for (0 = none).</summary>
    public static int CheckEvery(string? value)
    {
        if (string.IsNullOrEmpty(value)) return 0;
        if (!int.TryParse(value, out int steps) || steps < 0)
            throw new DistributedException($"{CheckEveryVariable} is '{value}': give a number of steps (0 turns the check off).");
        return steps;
    }

    /// <summary>
    /// Throws, naming the ranks that differ from rank 0, unless every rank passed the same bytes
    /// (compared by SHA-256). For settings and weights that must be the same everywhere.
    /// </summary>
    public static void CheckAgree(Communicator communicator, ReadOnlySpan<byte> value, string what)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        if (!communicator.IsDistributed) return;
        byte[] mine = SHA256.HashData(value);
        var all = new byte[mine.Length * communicator.Size];
        communicator.AllGather(mine, all, $"the check of {what}");
        var differing = Enumerable.Range(1, communicator.Size - 1)
            .Where(r => !all.AsSpan(r * mine.Length, mine.Length).SequenceEqual(all.AsSpan(0, mine.Length))).ToArray();
        if (differing.Length > 0)
        {
            throw new DistributedException(
                $"Rank{(differing.Length > 1 ? "s" : "")} {string.Join(", ", differing)} {(differing.Length > 1 ? "have" : "has")} other {what} than rank 0: " +
                "every rank must start with the same command line, data and model files.");
        }
    }

    /// <summary>The tensors' values in order, as bytes (for <see cref="CheckAgree"/>).</summary>
    public static byte[] Bytes(IEnumerable<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var stream = new MemoryStream();
        foreach (var t in tensors)
        {
            var values = t.ToArray();
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        return stream.ToArray();
    }

    /// <summary>
    /// Replaces each tensor by its mean over the ranks — for per-replica state such as batch-norm
    /// running statistics, so that every replica validates and saves the same model.
    /// </summary>
    public static void Average(Communicator communicator, IReadOnlyList<Tensor> tensors, string what)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!communicator.IsDistributed || tensors.Count == 0) return;
        var flat = GC.AllocateArray<float>(tensors.Sum(t => t.ElementCount), pinned: true);
        int offset = 0;
        foreach (var t in tensors)
        {
            t.Backend.Download(t.Buffer, flat.AsSpan(offset, t.ElementCount));
            offset += t.ElementCount;
        }
        communicator.StartAllReduceSum(flat, $"the average of {what}").Wait();
        float scale = 1f / communicator.Size;
        offset = 0;
        foreach (var t in tensors)
        {
            var mean = flat.AsSpan(offset, t.ElementCount);
            foreach (ref float v in mean) v *= scale;
            t.Backend.Upload(mean, t.Buffer);
            offset += t.ElementCount;
        }
    }
}
