using System.Buffers.Binary;
using System.IO.Compression;

namespace AutoLoRa.Cli.Tests;

/// <summary>
/// Writes a small MNIST-format dataset (gzip IDX) whose classes are learnable stripes, so every
/// CLI verb can run end to end in seconds.
/// </summary>
internal static class TinyMnist
{
    public static void Write(string dir, int train = 80, int test = 40)
    {
        Directory.CreateDirectory(dir);
        WriteSplit(dir, "train", train, seed: 1);
        WriteSplit(dir, "t10k", test, seed: 2);
    }

    private static void WriteSplit(string dir, string prefix, int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * 28 * 28];
        var labels = new byte[count];
        for (int s = 0; s < count; s++)
        {
            int label = s % 10;
            labels[s] = (byte)label;
            for (int r = 0; r < 28; r++)
            {
                for (int c = 0; c < 28; c++)
                {
                    bool stripe = (r / 3) % 10 == label;
                    pixels[(s * 28 + r) * 28 + c] = (byte)Math.Clamp((stripe ? 200 : 40) + rng.Next(-30, 31), 0, 255);
                }
            }
        }
        WriteIdx(Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz"), 0x803, [count, 28, 28], pixels);
        WriteIdx(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz"), 0x801, [count], labels);
    }

    private static void WriteIdx(string path, int magic, int[] dims, byte[] data)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, magic);
        gzip.Write(word);
        foreach (int d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            gzip.Write(word);
        }
        gzip.Write(data);
    }
}
