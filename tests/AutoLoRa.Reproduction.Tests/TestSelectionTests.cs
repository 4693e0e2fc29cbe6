using System.Text.Json.Nodes;
using AutoLoRa.Cpu;
using AutoLoRa.Training.Recipes;

namespace AutoLoRa.Reproduction.Tests;

/// <summary>
/// select-on test in a plan: the cells that ask for it pick their checkpoint on the test set they are
/// scored on, and results.md, config.json and the log say so; pre-training, which has no test set, refuses it.
/// </summary>
public sealed class TestSelectionTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "autolora-select-plan-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _cpu.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>Vanilla RFT, once as it is and once selecting on 10 test images (the validation split has 12).</summary>
    private static JsonObject Plan()
    {
        var json = TinyPlan.Json();
        json["methods"] = new JsonArray("vanilla");
        json["evaluation"]!["test-images"] = 10;
        json["ablations"] = new JsonArray(new JsonObject { ["name"] = "test-selected", ["settings"] = new JsonObject { ["select-on"] = "test" } });
        return json;
    }

    [Fact]
    public void Cells_that_select_on_test_measure_the_test_set_every_epoch_and_results_md_warns_about_them()
    {
        var grid = PlanGrid.Expand(TinyPlan.Parse(Plan()));
        var byAblation = grid.Cells.ToDictionary(c => c.Ablation);
        Assert.Equal(CheckpointSelection.Test, byAblation["test-selected"].Settings.SelectOn);
        Assert.Equal(CheckpointSelection.Validation, byAblation[PlanAblation.Baseline].Settings.SelectOn);
        Assert.NotEqual(byAblation["test-selected"].TrainingIdentity, byAblation[PlanAblation.Baseline].TrainingIdentity);

        var store = new ResultStore(_root);
        var results = new ReproductionRunner(_cpu, new TinyPlan.Sources(), new QuietMonitor()).Run(grid, store).ToDictionary(r => r.Ablation);
        var selected = results["test-selected"].History;
        Assert.All(selected, h => Assert.NotNull(h.TestRobustAccuracy));
        // Counts of 10 test images, not of the 12 validation ones.
        Assert.All(selected, h => Assert.Equal(Math.Round(h.TestRobustAccuracy!.Value * 10), h.TestRobustAccuracy.Value * 10, 4));
        Assert.All(results[PlanAblation.Baseline].History, h => Assert.Null(h.TestRobustAccuracy));

        string md = File.ReadAllText(Path.Combine(_root, "results.md"));
        Assert.Contains("halves.mini4.vanilla.test-selected chose the checkpoint on the test set", md);
        Assert.DoesNotContain("vanilla.default chose", md);
        Assert.Contains("\"warnings\"", File.ReadAllText(Path.Combine(store.CellDirectory(byAblation["test-selected"]), "config.json")));
        Assert.DoesNotContain("\"warnings\"", File.ReadAllText(Path.Combine(store.CellDirectory(byAblation[PlanAblation.Baseline]), "config.json")));
    }

    [Fact]
    public void A_backbones_pre_training_cannot_select_on_test()
    {
        var json = Plan();
        json["models"]![0]!["pretrain"]!["settings"]!["select-on"] = "test";
        var problem = Assert.Single(TinyPlan.Problems(json));
        Assert.Contains("model 'mini4' pre-training", problem);
        Assert.Contains("select-on test needs the test set", problem);
    }

    private sealed class QuietMonitor : IReproductionMonitor;
}
