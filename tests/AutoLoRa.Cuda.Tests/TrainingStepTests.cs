using AutoLoRa.Cpu;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Verify;
using AutoLoRa.Verify.Cases;
using Xunit.Abstractions;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// The table's whole-step case (PGD-10 on the main path, natural and adversarial forwards,
/// CE + KL, backward, SGD with momentum and weight decay) on cuda-emu, held to the emulated
/// runtime's own precision rather than the bound the table allows a real GPU.
/// </summary>
[Trait("Backend", "cuda-emu")]
public sealed class TrainingStepTests(ITestOutputHelper output)
{
    [Fact]
    public void Two_autolora_steps_on_cuda_emu_match_the_cpu_backend()
    {
        using var cpu = new CpuBackend();
        using var emulated = new CudaBackend(new EmulatedRuntime());
        var step = new TrainingStepCase
        {
            Family = "autolora 2 steps vs cpu", Name = "autolora 2 steps (emulated)",
            Tolerance = Tolerance.Scaled(1e-5, "the emulated runtime runs our kernels' C++ on the host: only summation orders differ"),
        };
        var outcome = new CaseRunner(emulated, cpu).Check(step);
        output.WriteLine($"cuda-emu vs cpu after 2 AutoLoRa steps: {outcome.Detail}");
        Assert.True(outcome.Passed, outcome.Detail);
        Assert.Contains("(84 tensors", outcome.Detail);
    }

    [Fact]
    public void Two_autolora_steps_of_a_vit_on_cuda_emu_match_the_cpu_backend()
    {
        using var cpu = new CpuBackend();
        using var emulated = new CudaBackend(new EmulatedRuntime());
        var step = new TrainingStepCase
        {
            Family = "autolora 2 steps vs cpu", Name = "autolora 2 steps vit-mini (emulated)", Model = TrainingStepCase.Vit,
            Tolerance = Tolerance.Scaled(1e-5, "the emulated runtime runs our kernels' C++ on the host: only summation orders differ"),
        };
        var outcome = new CaseRunner(emulated, cpu).Check(step);
        output.WriteLine($"cuda-emu vs cpu after 2 AutoLoRa steps of a vit-mini: {outcome.Detail}");
        Assert.True(outcome.Passed, outcome.Detail);
        // cls, pos, patch embedding (2), 4 blocks × (12 + 8 LoRA factors), norm (2), head (2).
        Assert.Contains("(88 tensors", outcome.Detail);
    }
}
