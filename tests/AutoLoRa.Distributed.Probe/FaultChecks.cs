namespace AutoLoRa.Distributed.Probe;

/// <summary>Ranks that stop answering: the others must stop too, in bounded time, with the rank or the collective named.</summary>
internal static class FaultChecks
{
    /// <summary>Rank 1 is killed (SIGKILL, no goodbye) in the middle of a loop of collectives.</summary>
    public static void DeadRank(Communicator c)
    {
        for (int i = 0; i < 400; i++)
        {
            if (i == 5 && c.Rank == 1) System.Diagnostics.Process.GetCurrentProcess().Kill();
            Span<long> value = [i];
            c.AllReduceSum(value, $"step {i}");
            Thread.Sleep(50);
        }
        throw new InvalidOperationException($"rank {c.Rank} outlived its dead peer by 20 s.");
    }

    /// <summary>Rank 1 hangs (alive, never calls the collective); rank 0's timeout must fire.</summary>
    public static void StuckRank(Communicator c)
    {
        if (c.Rank == 1) Thread.Sleep(TimeSpan.FromMinutes(2));
        Span<long> value = [1];
        c.AllReduceSum(value, "the collective rank 1 never joins");
        throw new InvalidOperationException($"rank {c.Rank} passed a collective its peer never joined.");
    }
}
