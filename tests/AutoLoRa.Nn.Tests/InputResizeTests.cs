using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Nn.Tests;

/// <summary>The in-model input resize: what the network sees, what the state dict holds, and where gradients go.</summary>
public sealed class InputResizeTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    private Tensor Images(int side) =>
        Tensor.FromArray(_cpu, Init.Uniform(new Random(5), 2 * 3 * side * side, 0.5f).Select(v => v + 0.5f).ToArray(), new Shape(2, 3, side, side));

    [Fact]
    public void A_model_with_an_input_size_sees_the_bilinearly_resized_images()
    {
        using var plain = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4, Stem: StemKind.ImageNet), seed: 3);
        using var resizing = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4, Stem: StemKind.ImageNet, InputSize: 24), seed: 3);
        plain.Eval();
        resizing.Eval();
        var x = Images(6);
        using (GradMode.NoGrad())
        {
            var expected = plain.Forward(Ops.Resize(x, 24, 24, ResizeMode.Bilinear)).ToArray();
            var actual = resizing.Forward(x).ToArray();
            Assert.Equal(expected, actual);
            // Without the resize the same weights see 6×6 images and give other logits.
            Assert.NotEqual(expected, plain.Forward(x).ToArray());
        }
        Assert.Equal(plain.NamedParameters().Select(p => p.Name), resizing.NamedParameters().Select(p => p.Name));
        Assert.Equal(plain.NamedBuffers().Select(p => p.Name), resizing.NamedBuffers().Select(p => p.Name));
    }

    [Fact]
    public void Resizing_can_be_switched_on_after_loading_and_the_input_gradient_has_the_small_shape()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4), seed: 3);
        model.ResizeInputsTo(16, ResizeMode.Nearest);
        Assert.Equal(16, model.Spec.InputSize);
        var x = Images(4);
        x.RequiresGrad = true;
        var loss = Ops.CrossEntropy(model.Forward(x), Tensor.FromLabels(_cpu, [0, 2]));
        var grad = Backward.Grad(loss, x);
        // Attacks perturb the 4×4 images; the gradient reaches every pixel through the resize.
        Assert.Equal(x.Shape, grad.Shape);
        Assert.All(grad.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Contains(grad.ToArray(), v => v != 0);

        model.ResizeInputsTo(0, ResizeMode.Bilinear);
        Assert.Equal(0, model.Spec.InputSize);
        Assert.Throws<ArgumentException>(() => model.ResizeInputsTo(-1, ResizeMode.Bilinear));
    }
}
