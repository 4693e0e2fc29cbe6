using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AutoLoRa.Cpu.Gemm;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// What a convolution's output stage does to each value after the bias, while the values are
/// still in registers or L1: out = (out + addend) → max(·, 0) when <see cref="Relu"/> → kept only
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

    /// <summary>The stage applied to the 16 outputs that go to output[offset, offset + 16), before they are stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> On(Vector512<float> v, long offset) => On<Vector512<float>, Vector512Ops>(v, offset);

    /// <summary>The stage applied to the outputs (one vector) that go to output[offset, …), before they are stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV On<TV, TOps>(TV v, long offset) where TV : struct where TOps : IVectorOps<TV>
    {
        if (Addend != null) v = TOps.Add(v, TOps.Load(Addend + offset));
        if (Relu) v = TOps.Relu(v);
        if (Mask != null) v = TOps.KeepWherePositive(v, TOps.Load(Mask + offset));
        return v;
    }

    /// <summary>
    /// Runs <paramref name="user"/> with this stage as a <see cref="ConvEpilogueStage{TAddend, TRelu, TMask}"/>
    /// of the parts it has, chosen here once rather than tested per stored vector.
    /// </summary>
    public void Run<TUser>(ref TUser user) where TUser : struct, IConvEpilogueUser
    {
        if (Addend != null) WithAddend<TUser, WithPart>(ref user);
        else WithAddend<TUser, WithoutPart>(ref user);
    }

    private void WithAddend<TUser, TAddend>(ref TUser user) where TUser : struct, IConvEpilogueUser where TAddend : struct, IEpiloguePart
    {
        if (Relu) WithRelu<TUser, TAddend, WithPart>(ref user);
        else WithRelu<TUser, TAddend, WithoutPart>(ref user);
    }

    private void WithRelu<TUser, TAddend, TRelu>(ref TUser user) where TUser : struct, IConvEpilogueUser
        where TAddend : struct, IEpiloguePart where TRelu : struct, IEpiloguePart
    {
        if (Mask != null) user.Run(new ConvEpilogueStage<TAddend, TRelu, WithPart>(Addend, Mask));
        else user.Run(new ConvEpilogueStage<TAddend, TRelu, WithoutPart>(Addend, Mask));
    }

    /// <summary>
    /// Adds <paramref name="bias"/> (one channel's value, when not null) to output[offset, offset + count),
    /// already stored, and applies the stage, in one pass.
    /// </summary>
    public void Apply(float* output, long offset, int count, float* bias = null) => ApplyFrom(output + offset, output, offset, count, bias);

    /// <summary>
    /// output[offset, offset + count) = source[0, count) + <paramref name="bias"/> (one channel's value,
    /// when not null), then the stage, in one pass: a result copied out of scratch with its bias and
    /// stage, or (<paramref name="source"/> the run itself) a stored run. One pass instead of a copy, a
    /// bias pass and a stage pass, each a call per run: with the direct forward's 16-pixel runs the
    /// separate bias and stage had cost a stride-2 layer's forward 16 % (r18w16-b64's layer2.0a on Zen 3,
    /// interleaved with the plain forward in one process). The sums round as the separate passes did.
    /// </summary>
    public void ApplyFrom(float* source, float* output, long offset, int count, float* bias)
    {
        float* y = output + offset;
        if (IsEmpty && bias == null)
        {
            if (source != y) Packing.CopyRun(source, y, count);
            return;
        }
        float b = bias == null ? 0f : *bias;
        int i = 0;
        // Without AVX-512, Vector512 runs in software (two halves through memory): 3 % of a
        // training step's samples on Zen 3 in perf, so 256-bit vectors there.
        if (Vector512.IsHardwareAccelerated)
        {
            var wide = Vector512.Create(b);
            for (; i + Vector512<float>.Count <= count; i += Vector512<float>.Count)
            {
                var v = Vector512.Load(source + i);
                if (bias != null) v += wide;
                Vector512.Store(On(v, offset + i), y + i);
            }
        }
        var narrow = Vector256.Create(b);
        for (; i + Vector256<float>.Count <= count; i += Vector256<float>.Count)
        {
            var v = Vector256.Load(source + i);
            if (bias != null) v += narrow;
            Vector256.Store(On<Vector256<float>, Vector256Ops>(v, offset + i), y + i);
        }
        for (; i < count; i++)
        {
            float v = source[i];
            if (bias != null) v += b;
            if (Addend != null) v += Addend[offset + i];
            if (Relu) v = MathF.Max(v, 0f);
            if (Mask != null && !(Mask[offset + i] > 0f)) v = 0f;
            y[i] = v;
        }
    }
}
