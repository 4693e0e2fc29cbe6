using AutoLoRa.Core;

namespace AutoLoRa.Nn.Models;

/// <summary>A residual block of a ResNet stage.</summary>
public abstract class ResidualBlock : Module
{
    public abstract Tensor Forward(Tensor x, Branch branch);
}
