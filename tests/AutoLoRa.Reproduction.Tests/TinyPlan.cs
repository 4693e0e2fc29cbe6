using System.Text.Json.Nodes;
using AutoLoRa.Core.Backends;
using AutoLoRa.Data;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Reproduction;
using AutoLoRa.ModelFiles;
using AutoLoRa.Training.Tests;

namespace AutoLoRa.Reproduction.Tests;

/// <summary>
/// A small valid plan as a JSON object (tests change one part of it), and sources that serve
/// <see cref="Tiny.Halves"/> for every data spec, so a whole plan runs in seconds.
/// </summary>
internal static class TinyPlan
{
    public static JsonObject Json() => new()
    {
        ["name"] = "tiny",
        ["epsilon"] = 0.1,
        ["settings"] = new JsonObject { ["epochs"] = 2, ["batch-size"] = 16, ["attack-steps"] = 2, ["attack-step"] = 0.03, ["validation-steps"] = 2, ["val-fraction"] = 0.25, ["scalar-probe-size"] = 16 },
        ["evaluation"] = new JsonObject { ["pgd-steps"] = 2, ["pgd-step"] = 0.03, ["test-images"] = 12, ["autoattack-images"] = 3 },
        ["datasets"] = new JsonArray(new JsonObject { ["name"] = "halves", ["data"] = "halves" }),
        ["models"] = new JsonArray(new JsonObject
        {
            ["name"] = "mini4",
            ["pretrain"] = new JsonObject
            {
                ["data"] = "halves", ["arch"] = "resnet-mini", ["width"] = 4, ["seed"] = 3,
                ["settings"] = new JsonObject { ["epochs"] = 1, ["batch-size"] = 16, ["attack-steps"] = 2, ["validation-steps"] = 2, ["val-fraction"] = 0.25 },
            },
        }),
        ["methods"] = new JsonArray("autolora", "vanilla"),
        ["seeds"] = new JsonArray(1),
    };

    public static ReproductionPlan Parse(JsonObject json) => PlanParser.Parse(json.ToJsonString(), "tiny.json", new Sources());

    /// <summary>The problems a plan is rejected with (fails the test if it is accepted).</summary>
    public static IReadOnlyList<string> Problems(JsonObject json) => Assert.Throws<PlanException>(() => Parse(json)).Problems;

    /// <summary>Every data spec is the same small learnable set; a spec named "missing" does not exist.</summary>
    public sealed class Sources : IPlanSources
    {
        public string? DataProblem(string spec) => spec == "missing" ? "missing: directory not found." : null;

        public IImageSet Train(string spec, string? classes, int? limit, int seed) => Tiny.Halves(48, seed: 1);

        public IImageSet Test(string spec, string? classes, int? limit) => Tiny.Halves(limit ?? 24, seed: 2);

        public Classifier OpenBackbone(Backend backend, string path, int classes, int channels) =>
            FineTuning.Prepare(ModelFile.Load(path, backend), path, classes, channels);
    }
}
