using System.Text.Json;

namespace AutoLoRa.Distributed.Tests;

/// <summary><c>autolora bench allreduce</c> on 2 ranks: each size checked, then reported once, by rank 0.</summary>
public sealed class BenchAllReduceTests
{
    [MpiFact]
    public void Every_size_is_checked_and_reported_in_nccl_tests_terms()
    {
        var r = MpiRun.Dll(TimeSpan.FromMinutes(2), null, null, "autolora.dll",
            "bench", "allreduce", "--min-bytes", "4", "--max-bytes", "4096", "--factor", "8", "--iters", "3", "--warmup", "1", "--json");
        MpiRun.AssertOk(r);
        // .NET may put a terminal-mode escape ahead of a rank's first line: read from the brace on.
        var lines = r.Output.Split('\n').Where(l => l.Contains('{')).Select(l => JsonDocument.Parse(l[l.IndexOf('{')..]).RootElement).ToArray();
        Assert.Equal([4L, 32, 256, 2048], lines.Select(l => l.GetProperty("bytes").GetInt64()));
        foreach (var line in lines)
        {
            Assert.True(line.GetProperty("correct").GetBoolean());
            Assert.Equal(2, line.GetProperty("ranks").GetInt32());
            // n = 2: bus bandwidth = algorithm bandwidth × 2(n − 1)/n = the algorithm bandwidth.
            Assert.Equal(line.GetProperty("algbw_gb_per_s").GetDouble(), line.GetProperty("busbw_gb_per_s").GetDouble(), 9);
        }
    }
}
