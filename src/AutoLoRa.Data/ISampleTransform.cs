namespace AutoLoRa.Data;

/// <summary>
/// Turns one sample's bytes into floats for a batch, possibly at random. Implementations must
/// draw randomness only from the generator they are given: it is derived from (seed, epoch,
/// batch), which is what makes background batches equal to synchronous ones.
/// </summary>
public interface ISampleTransform
{
    /// <summary>Writes the C×H×W floats of one transformed sample.</summary>
    void Apply(ReadOnlySpan<byte> source, int channels, int height, int width, Span<float> destination, ref SeededRandom rng);
}
