using AutoLoRa.Core.Backends;
using AutoLoRa.Data;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Training.Tests;

/// <summary>Small synthetic data and models, so trainer tests run in seconds.</summary>
internal static class Tiny
{
    /// <summary>
    /// 1×8×8 images of three classes: a bright top half, a bright bottom half, or a bright left
    /// half, with seeded noise. Learnable by a small conv net within a few epochs. A
    /// <paramref name="labelShift"/> of 1 or 2 labels every image as another class (a set a model
    /// scores worse on the better it learns the true classes).
    /// </summary>
    public static ImageDataset Halves(int count, int seed, int labelShift = 0)
    {
        var rng = new Random(seed);
        const int side = 8;
        var pixels = new byte[count * side * side];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            int label = s % 3;
            labels[s] = (label + labelShift) % 3;
            for (int r = 0; r < side; r++)
            {
                for (int c = 0; c < side; c++)
                {
                    bool bright = label switch { 0 => r < side / 2, 1 => r >= side / 2, _ => c < side / 2 };
                    int value = (bright ? 180 : 70) + rng.Next(-40, 41);
                    pixels[(s * side + r) * side + c] = (byte)value;
                }
            }
        }
        return new ImageDataset("halves", pixels, labels, 1, side, side, ["top", "bottom", "left"]);
    }

    public static Classifier Model(Backend backend, int loraRank = 0, int seed = 3) =>
        ModelFactory.Create(backend, new ModelSpec("resnet-mini", Classes: 3, InChannels: 1, BaseWidth: 4, LoraRank: loraRank), seed);

    /// <summary>A vit-mini for the 8×8 one-channel images: a 2×2 grid of 4×4 patches.</summary>
    public static Classifier Vit(Backend backend, int loraRank = 0, int seed = 3) =>
        ModelFactory.Create(backend, new ModelSpec("vit-mini", Classes: 3, InChannels: 1, LoraRank: loraRank, ImageSize: 8), seed);
}
