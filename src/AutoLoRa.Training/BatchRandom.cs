namespace AutoLoRa.Training;

/// <summary>
/// The random generator of one batch, derived from (seed, epoch, batch) alone — never from earlier
/// draws — so a run resumed at any epoch repeats exactly what an uninterrupted run does.
/// </summary>
public static class BatchRandom
{
    /// <summary>Separates the attack's stream from the loader's, which derives from the same triple.</summary>
    private const long AttackStream = 0x5A17;

    public static Random For(int seed, int epoch, int batch)
    {
        var mixer = SeededRandom.For((ulong)seed ^ AttackStream, epoch, batch);
        return new Random((int)(mixer.NextUInt64() & int.MaxValue));
    }
}
