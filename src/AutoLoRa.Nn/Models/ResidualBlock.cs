using AutoLoRa.Core;

namespace AutoLoRa.Nn.Models;

/// <summary>A residual block of a ResNet stage.</summary>
public abstract class ResidualBlock : Module
{
    /// <summary>The block's output for <paramref name="x"/> through <paramref name="branch"/>'s weights.</summary>
    public abstract Tensor Forward(Tensor x, Branch branch);
}
