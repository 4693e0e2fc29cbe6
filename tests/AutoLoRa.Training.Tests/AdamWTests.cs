using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Training.Optim;

namespace AutoLoRa.Training.Tests;

/// <summary>AdamW against torch.optim.AdamW over three steps: decoupled decay, bias corrections and the per-parameter step count.</summary>
public sealed class AdamWTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    [Fact]
    public void Three_steps_match_pytorch()
    {
        // p = torch.tensor(start); opt = torch.optim.AdamW([p], lr=0.01, weight_decay=0.1);
        // for g in grads: p.grad = torch.tensor(g); opt.step()   (PyTorch 1.13)
        float[] start = [0.5f, -1f, 2f, 0f, 0.3f];
        float[][] grads = [[0.1f, -0.2f, 0.3f, 1e-4f, -2f], [0.05f, 0.2f, -0.3f, 0f, -1f], [-0.1f, 0.1f, 0.3f, -1e-4f, 0.5f]];
        float[] torch = [0.4781011939048767f, -0.9900631904602051f, 1.981194019317627f, -0.015813373029232025f, 0.3240300118923187f];

        var p = Tensor.FromArray(_cpu, start, new Shape(start.Length));
        p.RequiresGrad = true;
        // A second parameter that never has a gradient: it must stay put and not advance p's step count.
        var idle = Tensor.FromArray(_cpu, [1f, 2f], new Shape(2));
        idle.RequiresGrad = true;
        using var optimizer = new AdamW([idle, p], learningRate: 0.01f, weightDecay: 0.1f);
        foreach (var g in grads)
        {
            Ops.Sum(Ops.Multiply(p, Tensor.FromArray(_cpu, g, new Shape(g.Length)))).Backward();
            optimizer.Step();
        }
        var actual = p.ToArray();
        for (int i = 0; i < torch.Length; i++) Assert.Equal(torch[i], actual[i], 1e-6f);
        Assert.Equal([1f, 2f], idle.ToArray());
    }
}
