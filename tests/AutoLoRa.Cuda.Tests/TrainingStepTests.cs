using AutoLoRa.Cpu;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Training.Diagnostics;
using Xunit.Abstractions;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// The whole AutoLoRa step (PGD-10 on the main path, natural and adversarial forwards, CE + KL,
/// backward, SGD with momentum and weight decay) on cuda-emu against the CPU backend, from
/// identical weights, data and attack noise: losses and every parameter and running statistic
/// after two steps.
/// </summary>
[Trait("Backend", "cuda-emu")]
public sealed class TrainingStepTests(ITestOutputHelper output)
{
    [Fact]
    public void Two_autolora_steps_on_cuda_emu_match_the_cpu_backend()
    {
        using var cpu = new CpuBackend();
        using var emulated = new CudaBackend(new EmulatedRuntime());
        var comparison = BackendStepComparison.AutoLoraSteps(cpu, emulated, steps: 2);
        output.WriteLine($"cuda-emu vs cpu after 2 AutoLoRa steps: {comparison}");
        output.WriteLine($"largest deviation |c - r| / (1 + |r|): {comparison.MaxDeviation:E2}");
        Assert.Equal(84, comparison.TensorsCompared);
        Assert.True(comparison.CandidateLosses[1] != comparison.CandidateLosses[0], "the second step saw updated weights");
        Assert.True(comparison.LossDeviation < 1e-5, $"loss deviation {comparison.LossDeviation:E2}");
        Assert.True(comparison.ParameterDeviation < 1e-5, $"parameter deviation {comparison.ParameterDeviation:E2} in {comparison.WorstParameter}");
    }
}
