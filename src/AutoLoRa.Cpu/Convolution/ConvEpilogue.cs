using System.Runtime.Intrinsics;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// What a convolution's output stage does to each value after the bias, while the values it has
/// just stored are still in L1: out = (out + addend) → max(·, 0) when <see cref="Relu"/> → kept only
/// where mask &gt; 0. The forward pass of a block (residual add and ReLU) and the data gradient of a
/// ReLU-fed convolution (the next-lower ReLU's mask, a residual branch's gradient added) take it, so
/// the separate passes over the activations (AddRelu, Relu, ReluBackward, Axpby) disappear.
/// Addend and mask have the output's layout, are read only, and never alias it: the autotuner runs
/// each candidate several times on the call's own operands, so the stage must be repeatable.
/// </summary>
internal readonly unsafe struct ConvEpilogue(float* addend, float* mask, bool relu)
{
    /// <summary>Added to the output (same layout), or null.</summary>
    public float* Addend { get; } = addend;

    /// <summary>The output is zeroed where this (same layout) is not positive, or null.</summary>
    public float* Mask { get; } = mask;

    /// <summary>Whether negative outputs become 0 (after the addend).</summary>
    public bool Relu { get; } = relu;

    /// <summary>Whether the stage leaves the output as it is.</summary>
    public bool IsEmpty => Addend == null && Mask == null && !Relu;

    /// <summary>Applies the stage to output[offset, offset + count).</summary>
    public void Apply(float* output, long offset, int count)
    {
        if (IsEmpty) return;
        float* y = output + offset;
        float* a = Addend == null ? null : Addend + offset;
        float* m = Mask == null ? null : Mask + offset;
        int i = 0;
        for (; i + Vector512<float>.Count <= count; i += Vector512<float>.Count)
        {
            var v = Vector512.Load(y + i);
            if (a != null) v += Vector512.Load(a + i);
            if (Relu) v = Vector512.Max(v, Vector512<float>.Zero);
            if (m != null) v = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(m + i), Vector512<float>.Zero), v, Vector512<float>.Zero);
            Vector512.Store(v, y + i);
        }
        // Rows shorter than a vector (Winograd's 4-wide tiles of narrow layers) go element by element.
        for (; i < count; i++)
        {
            float v = y[i];
            if (a != null) v += a[i];
            if (Relu) v = MathF.Max(v, 0f);
            if (m != null && !(m[i] > 0f)) v = 0f;
            y[i] = v;
        }
    }
}
