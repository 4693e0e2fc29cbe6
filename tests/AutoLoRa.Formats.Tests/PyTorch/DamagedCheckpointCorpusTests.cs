using AutoLoRa.Formats.PyTorch;

namespace AutoLoRa.Formats.Tests.PyTorch;

/// <summary>
/// A generated corpus of damaged checkpoints: every fixture with a bit flipped at every 5th byte
/// and cut at every 97th. Each copy fails with a <see cref="TorchFormatException"/> or loads; a zip
/// checkpoint that loads must hold exactly the original tensors, because its records carry CRC-32s
/// (a flip in the archive's own bookkeeping, such as a timestamp, may go unnoticed). Legacy files
/// have no checksums, so a flip in their data can only be required not to crash the reader.
/// </summary>
public sealed class DamagedCheckpointCorpusTests
{
    private static Dictionary<string, byte[]> Read(byte[] bytes, string name)
    {
        using var checkpoint = TorchCheckpoint.Load(new MemoryStream(bytes), name);
        return checkpoint.Tensors().ToDictionary(t => t.Key, t => t.Value.ToEntry(t.Key).Data.ToArray());
    }

    [Theory]
    [InlineData("resnet_tiny_zip", true)]
    [InlineData("views_zip", true)]
    [InlineData("many_memo_zip", true)]
    [InlineData("resnet_tiny_legacy", false)]
    [InlineData("views_legacy", false)]
    public void Every_damaged_copy_fails_cleanly_or_loads_the_original_tensors(string name, bool checksummed)
    {
        var original = File.ReadAllBytes(Fixture.Path(name));
        var intact = Read(original, name);
        var copies = Enumerable.Range(0, original.Length / 5).Select(i =>
        {
            var flipped = (byte[])original.Clone();
            flipped[i * 5] ^= (byte)(1 << (i % 8));
            return flipped;
        }).Concat(Enumerable.Range(0, original.Length / 97).Select(i => original[..(i * 97)]));
        int cases = 0, refused = 0;
        foreach (var copy in copies)
        {
            cases++;
            try
            {
                var loaded = Read(copy, name);
                if (checksummed)
                {
                    Assert.Equal(intact.Keys.Order(), loaded.Keys.Order());
                    foreach (var (key, data) in intact) Assert.True(data.AsSpan().SequenceEqual(loaded[key]), $"{name}: '{key}' changed without an error (case {cases})");
                }
            }
            catch (TorchFormatException)
            {
                refused++;
            }
        }
        // Tensor data is most of a file, so with checksums most damage is caught.
        if (checksummed) Assert.True(refused > cases / 2, $"{name}: only {refused} of {cases} damaged copies were refused");
    }
}
