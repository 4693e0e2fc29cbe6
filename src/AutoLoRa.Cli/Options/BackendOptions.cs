using System.CommandLine;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cli.Options;

/// <summary>What the backend options of one command asked for, parsed (see <see cref="BackendOptions"/>).</summary>
/// <param name="Name">--backend: one of <see cref="BackendChoice.Names"/>.</param>
/// <param name="Precision">--precision: the arithmetic of GEMMs and convolutions on a CUDA backend.</param>
/// <param name="Deterministic">--deterministic: convolutions only by deterministic cuDNN algorithms.</param>
/// <param name="PrecisionGiven">Whether --precision was on the command line (the CPU backend then says it ignores it).</param>
/// <param name="NoAutotune">--no-autotune: CPU convolutions by the fixed rule instead of measured choices.</param>
internal sealed record BackendSettings(string Name, MatrixPrecision Precision = MatrixPrecision.Tf32, bool Deterministic = false, bool PrecisionGiven = false,
    bool NoAutotune = false);

/// <summary>
/// The backend options every computing verb shares — <c>--backend</c>, <c>--precision</c>,
/// <c>--deterministic</c>, <c>--no-autotune</c> — declared once, and their binding into one <see cref="BackendSettings"/>
/// that <see cref="BackendChoice"/> opens. One instance per command (an Option belongs to one command).
/// </summary>
internal sealed class BackendOptions
{
    /// <summary>The precision a command runs at unless told: TF32, PyTorch's default for convolutions.</summary>
    // PyTorch runs cuDNN convolutions in TF32 by default (torch.backends.cudnn.allow_tf32 = True) but,
    // since 1.12, matmuls in FP32 (torch.backends.cuda.matmul.allow_tf32 = False): the matmul default
    // was turned off because matmul also serves general linear algebra, where TF32's 10-bit inputs
    // surprised users. Our GEMMs serve only networks — the ResNet head and LoRA products, and nearly
    // all of a ViT's work — so they follow --precision as the convolutions do: the error per product
    // is the same bounded 2^-10 relative input rounding PyTorch accepts for convolutions, with FP32
    // accumulation, a ViT on an H100 gets the tensor cores a ResNet gets, and fp32 means FP32 for
    // every product of the run.
    public const MatrixPrecision DefaultPrecision = MatrixPrecision.Tf32;

    public Option<string> Name { get; } = new("--backend")
    {
        Description = "Compute backend: auto (native CUDA when usable, else cpu) | cpu | cpu-exact (no Winograd convolutions) | cuda | cuda-emu (CUDA code path emulated on the host; slow).",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string> Precision { get; } = new Option<string>("--precision")
    {
        Description = "Arithmetic of GEMMs and convolutions on CUDA: tf32 (default: TensorFloat-32 tensor cores on compute capability 8.0 and later, " +
                      "inputs rounded to 10 mantissa bits, FP32 sums — PyTorch's default for convolutions, cudnn.allow_tf32; PyTorch's matmuls default to FP32, " +
                      "ours follow this flag too) | fp32. An older GPU computes FP32 either way; the CPU backend always computes FP32 and ignores it.",
        DefaultValueFactory = _ => DefaultPrecision.ToString().ToLowerInvariant(),
    }.AcceptOnlyFromAmong("fp32", "tf32");

    public Option<bool> Deterministic { get; } = new("--deterministic")
    {
        Description = "CUDA: run convolutions only by algorithms cuDNN reports deterministic, so repeated runs give the same bits on the same GPU, " +
                      "driver and library versions (never across GPU models or versions; without it some backward algorithms sum with atomics in a varying order). " +
                      "The CPU backend ignores it: its runs repeat bit for bit once its convolution choices are saved (see --no-autotune).",
    };

    public Option<bool> NoAutotune { get; } = new("--no-autotune")
    {
        Description = "CPU: choose convolution algorithms by the fixed rule instead of timing the candidates at the first use of each shape. " +
                      "Measured choices are saved per CPU under $XDG_CACHE_HOME/autolora (else ~/.cache/autolora), so later runs on the machine repeat bit for bit; " +
                      "the fixed rule gives the same choices on every machine.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Name);
        command.Options.Add(Precision);
        command.Options.Add(Deterministic);
        command.Options.Add(NoAutotune);
    }

    /// <summary>The parsed options as one value.</summary>
    public BackendSettings Settings(ParseResult r) => new(
        r.GetValue(Name)!,
        r.GetValue(Precision) == "fp32" ? MatrixPrecision.Fp32 : MatrixPrecision.Tf32,
        r.GetValue(Deterministic),
        r.GetResult(Precision) is { Implicit: false },
        r.GetValue(NoAutotune));

    /// <summary>Opens the backend the options name, saying on <paramref name="log"/> which one and how (<see cref="BackendChoice.Create"/>).</summary>
    public Backend Create(ParseResult r, TextWriter log) => BackendChoice.Create(Settings(r), log);
}
