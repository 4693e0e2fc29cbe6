using StbImageWriteSharp;

namespace AutoLoRa.Cli.Tests;

/// <summary>
/// Writes a tiny image-folder dataset, DIR/{train,test}/{red,green,blue}/*.png, whose classes are
/// the dominant colour (learnable at any size), plus one file in the test split that does not decode.
/// </summary>
internal static class TinyFolder
{
    public static readonly string[] Classes = ["blue", "green", "red"];

    /// <summary>The test file that is not an image.</summary>
    public static string Corrupt(string dir) => Path.Combine(dir, "test", "green", "broken.png");

    public static void Write(string dir, int trainPerClass = 8, int testPerClass = 4)
    {
        var rng = new Random(11);
        for (int c = 0; c < Classes.Length; c++)
        {
            for (int i = 0; i < trainPerClass; i++) WritePng(Path.Combine(dir, "train", Classes[c], $"{i:D2}.png"), c, 18 + i % 5, 14 + i % 3, rng);
            for (int i = 0; i < testPerClass; i++) WritePng(Path.Combine(dir, "test", Classes[c], $"{i:D2}.png"), c, 16, 20, rng);
        }
        File.WriteAllBytes(Corrupt(dir), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
    }

    private static void WritePng(string path, int label, int width, int height, Random rng)
    {
        // Channel order is R, G, B; "blue" (label 0) is bright in channel 2, "green" in 1, "red" in 0.
        int bright = 2 - label;
        var pixels = new byte[width * height * 3];
        for (int p = 0; p < width * height; p++)
        {
            for (int ch = 0; ch < 3; ch++) pixels[p * 3 + ch] = (byte)Math.Clamp((ch == bright ? 190 : 60) + rng.Next(-40, 41), 0, 255);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        new ImageWriter().WritePng(pixels, width, height, ColorComponents.RedGreenBlue, stream);
    }
}
