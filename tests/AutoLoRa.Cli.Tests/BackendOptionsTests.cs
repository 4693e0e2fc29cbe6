using static AutoLoRa.Cli.Tests.CliRunner;

namespace AutoLoRa.Cli.Tests;

/// <summary>
/// The shared backend options (<c>--backend</c>, <c>--precision</c>, <c>--deterministic</c>, <c>--no-autotune</c>): every
/// verb that computes takes all three, the CPU backend says which it ignores, and a precision it
/// does not know is refused.
/// </summary>
public sealed class BackendOptionsTests
{
    private static Result Run(params string[] args) => CliRunner.Run(Path.GetTempPath(), args);

    [Theory]
    [InlineData("pretrain")]
    [InlineData("finetune")]
    [InlineData("eval")]
    [InlineData("predict")]
    [InlineData("demo")]
    [InlineData("reproduce")]
    [InlineData("analyze grad-sim")]
    [InlineData("bench step")]
    [InlineData("bench overhead")]
    [InlineData("bench conv")]
    [InlineData("bench kernels")]
    public void Every_computing_verb_takes_the_backend_options(string verb)
    {
        var help = Run([.. verb.Split(' '), "--help"]);
        AssertOk(help);
        foreach (var flag in new[] { "--backend", "--precision", "--deterministic", "--no-autotune" }) Assert.Contains(flag, help.Output);
        Assert.Contains("cudnn.allow_tf32", help.Output);
    }

    [Fact]
    public void The_cpu_backend_notes_the_options_it_ignores()
    {
        var r = Run("bench", "step", "--workload", "r18w16-b64", "--step", "infer", "--steps", "1", "--warmup", "0", "--json",
            "--backend", "cpu", "--precision", "tf32", "--deterministic");
        AssertOk(r);
        Assert.Contains("--precision tf32 ignored: the CPU backend computes FP32", r.Error);
        Assert.Contains("repeat bit for bit once its convolution choices are saved", r.Error);
    }

    [Fact]
    public void The_cpu_backend_says_nothing_of_options_left_at_their_defaults()
    {
        var r = Run("bench", "step", "--workload", "r18w16-b64", "--step", "infer", "--steps", "1", "--warmup", "0", "--json", "--backend", "cpu");
        AssertOk(r);
        Assert.DoesNotContain("--precision", r.Error);
        Assert.DoesNotContain("--deterministic", r.Error);
    }

    [Fact]
    public void An_unknown_precision_is_refused()
    {
        var r = Run("bench", "step", "--backend", "cpu", "--precision", "fp16");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("fp16", r.All);
    }
}
