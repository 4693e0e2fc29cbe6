using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// A <see cref="ConvEpilogue"/> whose parts are type parameters, so a kernel's innermost store
/// compiles with exactly the operations the call needs: no test of the addend, ReLU or mask per
/// vector. <see cref="ConvEpilogue.Run"/> picks the instantiation once per call.
/// </summary>
internal interface IConvEpilogueStage
{
    /// <summary>The stage applied to the outputs (one vector) that go to output[offset, …), before they are stored.</summary>
    TV On<TV, TOps>(TV v, long offset) where TV : struct where TOps : IVectorOps<TV>;

    /// <summary>The same stage as a <see cref="ConvEpilogue"/> (for its <see cref="ConvEpilogue.Apply"/> on a few scalars).</summary>
    ConvEpilogue Epilogue { get; }
}

/// <summary>Whether a part of a <see cref="ConvEpilogueStage{TAddend, TRelu, TMask}"/> is there.</summary>
internal interface IEpiloguePart
{
    static abstract bool Present { get; }
}

internal struct WithPart : IEpiloguePart
{
    public static bool Present
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => true;
    }
}

internal struct WithoutPart : IEpiloguePart
{
    public static bool Present
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => false;
    }
}

/// <summary>out + addend (if <typeparamref name="TAddend"/>) → max(·, 0) (if <typeparamref name="TRelu"/>) → kept where mask &gt; 0 (if <typeparamref name="TMask"/>).</summary>
internal readonly unsafe struct ConvEpilogueStage<TAddend, TRelu, TMask>(float* addend, float* mask) : IConvEpilogueStage
    where TAddend : struct, IEpiloguePart
    where TRelu : struct, IEpiloguePart
    where TMask : struct, IEpiloguePart
{
    public ConvEpilogue Epilogue => new(TAddend.Present ? addend : null, TMask.Present ? mask : null, TRelu.Present);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV On<TV, TOps>(TV v, long offset) where TV : struct where TOps : IVectorOps<TV>
    {
        if (TAddend.Present) v = TOps.Add(v, TOps.Load(addend + offset));
        if (TRelu.Present) v = TOps.Relu(v);
        if (TMask.Present) v = TOps.KeepWherePositive(v, TOps.Load(mask + offset));
        return v;
    }
}

/// <summary>What runs with a <see cref="ConvEpilogue"/> made a type (<see cref="ConvEpilogue.Run"/>).</summary>
internal interface IConvEpilogueUser
{
    void Run<TStage>(TStage stage) where TStage : struct, IConvEpilogueStage;
}
