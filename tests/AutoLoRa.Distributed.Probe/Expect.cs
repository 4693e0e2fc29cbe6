namespace AutoLoRa.Distributed.Probe;

/// <summary>The probe's one assertion: a failed check throws with what was expected and what came, and the rank.</summary>
internal static class Expect
{
    public static void Equal<T>(T expected, T actual, string what, Communicator communicator)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new InvalidOperationException($"rank {communicator.Rank}: {what}: expected {expected}, got {actual}.");
    }
}
