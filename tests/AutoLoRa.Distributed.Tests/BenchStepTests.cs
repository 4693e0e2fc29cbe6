using System.Text.Json;
using AutoLoRa.Cpu;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Workloads;

namespace AutoLoRa.Distributed.Tests;

/// <summary>
/// <c>autolora bench step --ranks 2</c>, started as one plain process: it runs itself again under
/// mpirun as 2 ranks, and rank 0 alone reports the gradients' bytes and the share of a step spent
/// waiting on their all-reduce.
/// </summary>
public sealed class BenchStepTests
{
    [MpiFact]
    public void A_replica_step_reports_its_all_reduce_bytes_and_communication_share()
    {
        // One TRADES step of the smallest workload takes about a minute per rank on a busy 2-core runner: one step, a generous limit.
        var r = MpiRun.Plain(TimeSpan.FromMinutes(8), "autolora.dll",
            "bench", "step", "--ranks", "2", "--workload", "r18w16-b64", "--step", "vanilla", "--steps", "1", "--warmup", "0", "--json", "--no-autotune");
        MpiRun.AssertOk(r);
        // .NET may put a terminal-mode escape ahead of a rank's first line: read from the brace on.
        var line = Assert.Single(r.Output.Split('\n'), l => l.Contains('{')).Trim();
        var json = JsonDocument.Parse(line[line.IndexOf('{')..]).RootElement;
        Assert.Equal(2, json.GetProperty("ranks").GetInt32());

        // Every parameter's gradient travels once per step, as float32.
        using var cpu = new CpuBackend();
        using var model = ModelFactory.Create(cpu, BenchmarkWorkload.Parse("r18w16-b64").Spec("vanilla"), seed: 1);
        Assert.Equal(model.Parameters().Sum(p => (long)p.ElementCount) * sizeof(float), json.GetProperty("allreduce_bytes_per_step").GetInt64());

        double wait = json.GetProperty("comm_wait_median_s").GetDouble();
        double share = json.GetProperty("comm_wait_share").GetDouble();
        double mean = json.GetProperty("comm_wait_share_mean_over_ranks").GetDouble();
        Assert.InRange(wait, 0, json.GetProperty("max_s").GetDouble());
        Assert.InRange(share, 0, 1);
        Assert.InRange(mean, 0, 1);
    }
}
