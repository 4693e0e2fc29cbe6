namespace AutoLoRa.Core;

/// <summary>
/// The differentiable operations, each a forward call into <see cref="Backend"/> plus a backward
/// rule recorded on the tape. Written once for every backend. One partial file per family.
/// </summary>
public static partial class Ops
{
    /// <summary>The backend shared by all operands; mixing backends is a caller bug worth naming.</summary>
    private static Backend SameBackend(string op, params ReadOnlySpan<Tensor> tensors)
    {
        var backend = tensors[0].Backend;
        foreach (var t in tensors)
        {
            if (!ReferenceEquals(t.Backend, backend))
            {
                throw new ArgumentException($"{op}: operands live on different backends ({backend.Name} and {t.Backend.Name}).");
            }
        }
        return backend;
    }

    internal static void RequireRank(string op, Tensor t, int rank, string layout)
    {
        if (t.Shape.Rank != rank) throw new ArgumentException($"{op}: expected {t.Name ?? "input"} as {layout}, got shape {t.Shape}.");
    }

    private static void RequireSameShape(string op, Tensor a, Tensor b)
    {
        if (a.Shape != b.Shape) throw new ArgumentException($"{op}: shapes {a.Shape} and {b.Shape} differ.");
    }

    private static void RequireFloat(string op, Tensor t)
    {
        if (t.DType != DType.Float32) throw new ArgumentException($"{op}: {t.Describe()} must be float32, is {t.DType}.");
    }
}
