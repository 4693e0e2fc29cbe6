using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Nn;

/// <summary>Seeded parameter initialisers matching torchvision's choices.</summary>
public static class Init
{
    /// <summary>N(mean, std²) samples (Box–Muller on a seeded generator, so runs reproduce).</summary>
    public static float[] Normal(Random rng, int count, float mean = 0f, float std = 1f)
    {
        var data = new float[count];
        FillNormal(rng, data, mean, std);
        return data;
    }

    /// <summary>Fills <paramref name="destination"/> with the samples <see cref="Normal"/> would return for its length.</summary>
    public static void FillNormal(Random rng, Span<float> destination, float mean = 0f, float std = 1f)
    {
        int count = destination.Length;
        for (int i = 0; i < count; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            destination[i] = mean + std * (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < count) destination[i + 1] = mean + std * (float)(r * Math.Sin(2 * Math.PI * u2));
        }
    }

    /// <summary>U(−bound, bound) samples.</summary>
    public static float[] Uniform(Random rng, int count, float bound)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
        return data;
    }

    /// <summary>Kaiming-normal with fan-out and ReLU gain, as torchvision initialises ResNet convolutions.</summary>
    public static Tensor KaimingNormalFanOut(Backend backend, Random rng, Shape convWeight)
    {
        int fanOut = convWeight[0] * convWeight[2] * convWeight[3];
        return Tensor.FromArray(backend, Normal(rng, convWeight.ElementCount, 0f, MathF.Sqrt(2f / fanOut)), convWeight);
    }
}
