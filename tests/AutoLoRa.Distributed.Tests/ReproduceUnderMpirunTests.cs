using System.Text.Json;
using System.Text.Json.Nodes;
using AutoLoRa.Cli.Tests;

namespace AutoLoRa.Distributed.Tests;

/// <summary>
/// <c>autolora reproduce</c> on 2 ranks: the backbone's pre-training and the cell's fine-tuning run
/// as 2 replicas, rank 0 alone prints and writes the tables, and the cell's evaluation equals the
/// one a single process makes of the same trained model.
/// </summary>
public sealed class ReproduceUnderMpirunTests() : ScratchDirectory("autolora-mpi-reproduce-")
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    private static JsonObject Plan() => new()
    {
        ["name"] = "tiny-mpi",
        ["epsilon"] = 0.05,
        ["settings"] = new JsonObject { ["epochs"] = 1, ["batch-size"] = 8, ["attack-steps"] = 2, ["validation-steps"] = 2, ["scalar-probe-size"] = 20 },
        // Evaluation batches of 3: 7 batches of the 20 test images, 2 of AutoAttack's 6 — both ranks get work.
        ["evaluation"] = new JsonObject { ["pgd-steps"] = 3, ["test-images"] = 20, ["autoattack-images"] = 6, ["batch-size"] = 3 },
        ["datasets"] = new JsonArray(new JsonObject { ["name"] = "mnist-5-9", ["data"] = "mnist:mnist", ["classes"] = "5-9" }),
        ["models"] = new JsonArray(new JsonObject
        {
            ["name"] = "mini4",
            ["pretrain"] = new JsonObject
            {
                ["data"] = "mnist:mnist", ["classes"] = "0-4", ["arch"] = "resnet-mini", ["width"] = 4,
                ["settings"] = new JsonObject { ["epochs"] = 1, ["batch-size"] = 8, ["attack-steps"] = 2, ["validation-steps"] = 2 },
            },
        }),
        ["methods"] = new JsonArray("vanilla"),
    };

    [MpiFact]
    public void A_two_rank_plan_trains_data_parallel_writes_once_and_evaluates_as_one_process_does()
    {
        TinyMnist.Write(Path.Combine(Dir, "mnist"));
        File.WriteAllText(Path.Combine(Dir, "plan.json"), Plan().ToJsonString());
        string[] reproduce = ["reproduce", "plan.json", "--out", "out", "--no-autotune"];
        var parallel = MpiRun.Dll(Limit, null, Dir, "autolora.dll", reproduce);
        MpiRun.AssertOk(parallel);
        // Rank 0 alone reports (the cell's number is printed in bold, so the name is matched after it).
        Assert.Single(parallel.Output.Split('\n'), line => line.Contains("mnist-5-9.mini4.vanilla.default.s1: starting", StringComparison.Ordinal));
        Assert.Single(parallel.Output.Split('\n'), line => line.Contains("data-parallel: 2 ranks", StringComparison.Ordinal));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(Dir, "out", "results.csv")).Length);

        string cell = Directory.EnumerateDirectories(Path.Combine(Dir, "out", "cells")).Single();
        string pretrained = Directory.EnumerateDirectories(Path.Combine(Dir, "out", "models")).Single();
        foreach (var run in new[] { cell, pretrained })
        {
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
            Assert.Equal(2, config.RootElement.GetProperty("ranks").GetInt32());
        }
        var twoRanks = Evaluation(cell);

        // The trained cell evaluated again by one process (bound to a core, as each rank is).
        File.Delete(Path.Combine(cell, "result.json"));
        foreach (var state in Directory.EnumerateFiles(cell, "autoattack-*.json")) File.Delete(state);
        var single = MpiRun.Ranks(1, Limit, null, Dir, "autolora.dll", reproduce);
        MpiRun.AssertOk(single);
        Assert.Contains("0 finished, 1 trained, 0 half-trained, 0 not started", single.Output);
        Assert.DoesNotContain("epoch 1", single.Output);
        var oneProcess = Evaluation(cell);
        foreach (var field in new[] { "TestImages", "Clean", "Pgd", "AutoAttackImages", "AutoAttack" })
            Assert.Equal(oneProcess.GetProperty(field).GetRawText(), twoRanks.GetProperty(field).GetRawText());
    }

    private static JsonElement Evaluation(string cell)
    {
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(cell, "result.json")));
        return result.RootElement.GetProperty("Evaluation").Clone();
    }
}
