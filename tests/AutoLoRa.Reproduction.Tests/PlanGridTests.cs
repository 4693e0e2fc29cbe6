using System.Text.Json.Nodes;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Reproduction;

namespace AutoLoRa.Reproduction.Tests;

/// <summary>Grid expansion: which cells a plan has, in which order, and what makes two cells the same.</summary>
public sealed class PlanGridTests
{
    private static PlanGrid Grid(JsonObject json) => PlanGrid.Expand(TinyPlan.Parse(json));

    private static JsonObject WithAblations()
    {
        var json = TinyPlan.Json();
        json["seeds"] = new JsonArray(1, 2);
        json["datasets"]!.AsArray().Add(new JsonObject { ["name"] = "other", ["data"] = "other", ["classes"] = "0-1" });
        json["ablations"] = new JsonArray(
            new JsonObject { ["name"] = "fixed", ["methods"] = new JsonArray("autolora"), ["settings"] = new JsonObject { ["lambda1"] = 0.5, ["lambda2"] = 6 } },
            new JsonObject { ["name"] = "rank4", ["settings"] = new JsonObject { ["rank"] = 4 } });
        return json;
    }

    [Fact]
    public void CellsAreDatasetsTimesModelsTimesSeedsTimesVariants()
    {
        var cells = Grid(WithAblations()).Cells;
        // Per dataset and seed: autolora × {default, fixed, rank4} + vanilla × {default, rank4}.
        Assert.Equal(2 * 1 * 2 * 5, cells.Count);
        Assert.Equal(
            ["halves.mini4.autolora.default.s1", "halves.mini4.autolora.fixed.s1", "halves.mini4.autolora.rank4.s1",
             "halves.mini4.vanilla.default.s1", "halves.mini4.vanilla.rank4.s1", "halves.mini4.autolora.default.s2"],
            cells.Take(6).Select(c => c.Name));
        Assert.Equal("other.mini4.vanilla.rank4.s2", cells[^1].Name);
        Assert.Equal(cells.Count, cells.Select(c => c.Identity).Distinct().Count());
        Assert.Equal(cells.Count, cells.Select(c => c.DirectoryName).Distinct().Count());
        Assert.All(cells, c => Assert.Equal(c.Seed, c.Settings.Seed));
        Assert.Equal(0.5f, cells.Single(c => c.Name == "halves.mini4.autolora.fixed.s1").Settings.Get(ScalarSettings.Lambda1));
    }

    [Fact]
    public void IdentityFollowsWhatTheCellDependsOn()
    {
        var before = Grid(WithAblations()).Cells.ToDictionary(c => c.Name);

        // The same plan, with a default written out and the keys reordered, is the same grid.
        var restated = WithAblations();
        restated["settings"]!["beta"] = 6;
        restated["settings"] = JsonNode.Parse(new JsonObject(restated["settings"]!.AsObject().Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString());
        Assert.All(Grid(restated).Cells, c => Assert.Equal(before[c.Name].Identity, c.Identity));

        // A changed ablation changes only its own cells.
        var changed = WithAblations();
        changed["ablations"]![1]!["settings"]!["rank"] = 2;
        foreach (var c in Grid(changed).Cells)
        {
            Assert.Equal(c.Ablation == "rank4", before[c.Name].TrainingIdentity != c.TrainingIdentity);
        }

        // Evaluation settings change what a result is, not the training it comes from.
        var evaluation = WithAblations();
        evaluation["evaluation"]!["pgd-steps"] = 5;
        foreach (var c in Grid(evaluation).Cells)
        {
            Assert.Equal(before[c.Name].TrainingIdentity, c.TrainingIdentity);
            Assert.NotEqual(before[c.Name].Identity, c.Identity);
        }

        // Another backbone changes every cell.
        var pretrain = WithAblations();
        pretrain["models"]![0]!["pretrain"]!["width"] = 8;
        Assert.All(Grid(pretrain).Cells, c => Assert.NotEqual(before[c.Name].TrainingIdentity, c.TrainingIdentity));
    }
}
