using System.Diagnostics;
using AutoLoRa.Cpu.Convolution;

namespace AutoLoRa.Cpu;

/// <summary>
/// Which algorithm each convolution runs. With <see cref="Autotune"/> (the default) the first call
/// of a shape and pass runs every applicable candidate on its own operands — once to warm up (its
/// scratch grows, pages fault in), then in interleaved rounds, compared within each round, until
/// the leader has won the last rounds (<see cref="ConvCandidateTiming"/>) — and keeps the winner in <see cref="ConvChoiceCache"/>, shared by every
/// CPU backend of the process and saved per CPU under the user's cache directory. Later calls look
/// the winner up (no allocation, no timing). Without it, a fixed rule written for Zen 4 decides.
/// Every candidate is correct for the shapes it applies to (each is tested against the reference,
/// Winograd within its rounding), so the choice changes speed and rounding, never the function.
/// </summary>
public sealed partial class CpuBackend
{
    private ConvChoiceCache? _choiceCache;

    /// <summary>
    /// Whether each convolution shape and pass chooses its algorithm by timing the candidates once
    /// (default), or by the fixed rule (reproducible from run to run and machine to machine: the
    /// same algorithms, so the same rounding). The measured choices are shared by the process and
    /// saved under $XDG_CACHE_HOME/autolora (else ~/.cache/autolora) for the next run on this CPU.
    /// </summary>
    public bool Autotune { get; set; } = true;

    /// <summary>Where measured choices go; tests give a private one.</summary>
    internal ConvChoiceCache ChoiceCache
    {
        get => _choiceCache ?? ConvChoiceCache.Shared;
        init => _choiceCache = value;
    }

    /// <summary>
    /// Runs every convolution by this algorithm instead of choosing (for benchmarks that compare the
    /// candidates, and tests); a call it cannot run throws. Null (the default) chooses.
    /// </summary>
    public ConvAlgorithm? ConvolutionOverride { get; set; }

    /// <summary>The algorithms that can run <paramref name="pass"/> of <paramref name="g"/> on this backend (with or without <see cref="Winograd"/>).</summary>
    public ConvAlgorithm[] ConvolutionCandidates(in ConvGeometry g, ConvPass pass)
    {
        var candidates = new ConvAlgorithm[MaxCandidates];
        return candidates[..Candidates(g, pass, Winograd, candidates)];
    }

    /// <summary>
    /// The algorithm a <paramref name="pass"/> of <paramref name="g"/> runs: the fixed rule's
    /// without <see cref="Autotune"/> (or with a single candidate), else the measured winner, or
    /// null while no call has measured it yet.
    /// </summary>
    public ConvAlgorithm? ConvolutionChoice(in ConvGeometry g, ConvPass pass)
    {
        Span<ConvAlgorithm> candidates = stackalloc ConvAlgorithm[MaxCandidates];
        if (!Autotune || Candidates(g, pass, Winograd, candidates) == 1) return FixedChoice(g, pass, Winograd);
        return ChoiceCache.TryGet(new ConvChoiceKey(pass, Winograd, g), out var chosen) ? chosen : null;
    }

    internal const int MaxCandidates = 8;

    /// <summary>The algorithms that can run a pass of <paramref name="g"/>, in the fixed rule's order of preference; returns how many.</summary>
    internal static int Candidates(in ConvGeometry g, ConvPass pass, bool winograd, Span<ConvAlgorithm> into)
    {
        int count = 0;
        switch (pass)
        {
            case ConvPass.Forward:
                count = ForwardCandidates(g, winograd, into);
                break;
            case ConvPass.DataGradient:
                if (StrideOneData(g)) count = ForwardCandidates(TransposedGeometry(g), winograd, into);
                into[count++] = ConvAlgorithm.GemmCol2Im;
                if (SubPixelDataGradient.Applies(g)) into[count++] = ConvAlgorithm.SubPixel;
                if (StridedPointwise.Applies(g)) into[count++] = ConvAlgorithm.GemmSpread;
                break;
            case ConvPass.FilterGradient:
                if (winograd && WinogradFilterGradient.Fits(g))
                {
                    into[count++] = ConvAlgorithm.WinogradShared;
                    into[count++] = ConvAlgorithm.WinogradPerCore;
                    into[count++] = ConvAlgorithm.WinogradSmallBlocks;
                    into[count++] = ConvAlgorithm.WinogradLargeBlocks;
                }
                if (DirectConvolution.AppliesToFilter(g)) into[count++] = ConvAlgorithm.Direct;
                into[count++] = ConvAlgorithm.Gemm;
                if (BlockedFilterGradient.Applies()) into[count++] = ConvAlgorithm.Blocked;
                break;
        }
        return count;
    }

    private static int ForwardCandidates(in ConvGeometry g, bool winograd, Span<ConvAlgorithm> into)
    {
        int count = 0;
        if (winograd && WinogradConvolution.Fits(g))
        {
            into[count++] = ConvAlgorithm.WinogradShared;
            into[count++] = ConvAlgorithm.WinogradPerCore;
            into[count++] = ConvAlgorithm.WinogradSmallBlocks;
            into[count++] = ConvAlgorithm.WinogradLargeBlocks;
        }
        if (DirectConvolution.Applies(g)) into[count++] = ConvAlgorithm.Direct;
        if (DirectConvolution.AppliesToRowPairs(g)) into[count++] = ConvAlgorithm.DirectRowPairs;
        if (FewChannelConvolution.Applies(g)) into[count++] = ConvAlgorithm.DirectFewChannels;
        if (FewChannelConvolution.AppliesToFewInputs(g)) into[count++] = ConvAlgorithm.DirectFewInputs;
        into[count++] = ConvAlgorithm.Gemm;
        // A strided 1×1 reads a quarter of the image, so copying all of it first measured up to twice as slow.
        if ((g.StrideH > 1 || g.StrideW > 1) && g.R * g.S > 1) into[count++] = ConvAlgorithm.GemmPadded;
        if (StridedPointwise.AppliesToForward(g)) into[count++] = ConvAlgorithm.PointwiseDirect;
        return count;
    }

    /// <summary>
    /// The choice without measuring — the thresholds measured on Zen 4: Winograd where its tiles
    /// waste little (for the filter gradient from 32 × 32 channels), each core alone on small
    /// transformed filters; else direct where rows are whole vectors; else GEMM. A 3×3 stride-2
    /// data gradient takes the sub-pixel phases: the autotuner chose them over GEMM + Col2Im on every
    /// such layer of both workloads on Zen 5 and on Zen 3 (bench/results/conv-autotune.md, step-vs-pytorch.md).
    /// </summary>
    internal static ConvAlgorithm FixedChoice(in ConvGeometry g, ConvPass pass, bool winograd)
    {
        switch (pass)
        {
            case ConvPass.Forward:
                return FixedForward(g, winograd);
            case ConvPass.DataGradient:
                if (StrideOneData(g)) return FixedForward(TransposedGeometry(g), winograd);
                return SubPixelDataGradient.Applies(g) ? ConvAlgorithm.SubPixel : ConvAlgorithm.GemmCol2Im;
            default:
                if (winograd && WinogradConvolution.Applies(g) && WinogradFilterGradient.Pays(g)) return ConvAlgorithm.WinogradShared;
                return DirectConvolution.AppliesToFilter(g) ? ConvAlgorithm.Direct : ConvAlgorithm.Gemm;
        }
    }

    private static ConvAlgorithm FixedForward(in ConvGeometry g, bool winograd)
    {
        if (winograd && WinogradConvolution.Applies(g)) return WinogradConvolution.AloneByDefault(g) ? ConvAlgorithm.WinogradPerCore : ConvAlgorithm.WinogradShared;
        return DirectConvolution.Applies(g) ? ConvAlgorithm.Direct : ConvAlgorithm.Gemm;
    }

    /// <summary>Whether the data gradient can be the forward convolution of dy with the flipped, transposed filter.</summary>
    private static bool StrideOneData(in ConvGeometry g) => g.StrideH == 1 && g.StrideW == 1 && g.PadH < g.R && g.PadW < g.S;

    /// <summary>The algorithm for this call: the override, fixed, remembered, or measured now on the call's own operands.</summary>
    private ConvAlgorithm Choose<TRun>(in ConvGeometry g, ConvPass pass, ref TRun run) where TRun : struct, IConvRun
    {
        Span<ConvAlgorithm> candidates = stackalloc ConvAlgorithm[MaxCandidates];
        int count = Candidates(g, pass, Winograd, candidates);
        candidates = candidates[..count];
        if (ConvolutionOverride is { } forced)
        {
            if (!candidates.Contains(forced)) throw new BackendException($"ConvolutionOverride {forced.Name()} cannot run the {pass} pass of {g}.");
            return forced;
        }
        if (!Autotune || count == 1) return FixedChoice(g, pass, Winograd);
        var key = new ConvChoiceKey(pass, Winograd, g);
        if (ChoiceCache.TryGet(key, out var known) && candidates.Contains(known)) return known;

        // The warm-up call of each candidate grows its scratch and faults its pages in, untimed.
        for (int i = 0; i < count; i++) run.Run(candidates[i]);
        var timing = new ConvCandidateTiming(count);
        do
        {
            for (int position = 0; position < count; position++)
            {
                int i = timing.CandidateAt(position);
                if (!timing.InRace(i)) continue;
                long start = Stopwatch.GetTimestamp();
                run.Run(candidates[i]);
                timing.Record(i, Stopwatch.GetTimestamp() - start);
            }
        }
        while (timing.EndRound());
        // Another process (another rank) may have saved the shape first: then its choice runs here too.
        return ChoiceCache.Store(key, candidates[timing.Best]);
    }

    /// <summary>One pass of one call with its operands bound, runnable by any of its candidates (as often as timing needs).</summary>
    private interface IConvRun
    {
        void Run(ConvAlgorithm algorithm);
    }

    private unsafe struct ForwardRun : IConvRun
    {
        public ConvGeometry G;
        public float* X, W, Bias, Y;
        public ConvEpilogue Epilogue;
        public ConvScratch Scratch;

        public readonly void Run(ConvAlgorithm algorithm)
        {
            switch (algorithm)
            {
                case var schedule when WinogradConvolution.IsSchedule(schedule):
                    WinogradConvolution.Forward(G, X, W, flippedTranspose: false, Bias, Epilogue, Y, Scratch, schedule);
                    break;
                case ConvAlgorithm.Direct or ConvAlgorithm.DirectRowPairs:
                    DirectConvolution.Forward(G, X, W, Bias, Epilogue, Y, Scratch, rowPairs: algorithm == ConvAlgorithm.DirectRowPairs);
                    break;
                case ConvAlgorithm.PointwiseDirect:
                    StridedPointwise.Forward(G, X, W, Bias, Epilogue, Y, Scratch);
                    break;
                case ConvAlgorithm.DirectFewChannels:
                    FewChannelConvolution.Forward(G, X, W, Bias, Epilogue, Y, Scratch);
                    break;
                case ConvAlgorithm.DirectFewInputs:
                    FewChannelConvolution.ForwardFewInputs(G, X, W, Bias, Epilogue, Y, Scratch);
                    break;
                default:
                    GemmForward(G, X, W, Bias, Epilogue, Y, Scratch, padded: algorithm == ConvAlgorithm.GemmPadded);
                    break;
            }
        }
    }

    private unsafe struct DataGradientRun : IConvRun
    {
        public ConvGeometry G;
        public float* Dy, W, Dx;
        public ConvEpilogue Epilogue;
        public ConvScratch Scratch;

        public readonly void Run(ConvAlgorithm algorithm)
        {
            if (algorithm == ConvAlgorithm.SubPixel)
            {
                SubPixelDataGradient.Compute(G, Dy, W, Epilogue, Dx, Scratch);
                return;
            }
            if (algorithm is ConvAlgorithm.GemmCol2Im or ConvAlgorithm.GemmSpread)
            {
                ForEachGroup(G.N, GroupSize(G), (long)G.C * G.R * G.S * GroupSize(G) * G.OutH * G.OutW, Scratch,
                    new BackwardDataGroup { G = G, Dy = Dy, W = W, Dx = Dx, Epilogue = Epilogue, Spread = algorithm == ConvAlgorithm.GemmSpread });
                return;
            }
            var transposed = TransposedGeometry(G);
            if (WinogradConvolution.IsSchedule(algorithm))
            {
                // The flipped, transposed filter is read in place by the filter transform.
                WinogradConvolution.Forward(transposed, Dy, W, flippedTranspose: true, null, Epilogue, Dx, Scratch, algorithm);
                return;
            }
            float* flipped = Scratch.FlippedFilter((long)G.FilterSize);
            FlipFilter(G, W, flipped);
            new ForwardRun { G = transposed, X = Dy, W = flipped, Y = Dx, Epilogue = Epilogue, Scratch = Scratch }.Run(algorithm);
        }
    }

    private unsafe struct FilterGradientRun : IConvRun
    {
        public ConvGeometry G;
        public float* X, Dy, Dw;
        public ConvScratch Scratch;
        public long WideColumnBudget;

        public readonly void Run(ConvAlgorithm algorithm)
        {
            switch (algorithm)
            {
                case var schedule when WinogradConvolution.IsSchedule(schedule):
                    WinogradFilterGradient.Compute(G, X, Dy, Dw, Scratch, schedule);
                    break;
                case ConvAlgorithm.Direct:
                    DirectConvolution.BackwardFilter(G, X, Dy, Dw, Scratch);
                    break;
                case ConvAlgorithm.Blocked:
                    BlockedFilterGradient.Compute(G, X, Dy, Dw, Scratch);
                    break;
                default:
                    GemmFilterGradient(G, X, Dy, Dw, Scratch, WideColumnBudget);
                    break;
            }
        }
    }
}
