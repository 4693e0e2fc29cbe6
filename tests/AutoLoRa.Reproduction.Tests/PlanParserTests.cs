using System.Text.Json.Nodes;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Reproduction;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Reproduction.Tests;

/// <summary>A plan is checked before anything runs, and every problem is named with its place in the plan.</summary>
public sealed class PlanParserTests
{
    [Fact]
    public void ValidPlanParsesWithDefaults()
    {
        var plan = TinyPlan.Parse(TinyPlan.Json());
        Assert.Equal("tiny", plan.Name);
        Assert.Equal(["autolora", "vanilla"], plan.Methods);
        Assert.Equal([1], plan.Seeds);
        Assert.Equal(12, plan.TestImages);
        Assert.Equal(2, plan.Evaluation.PgdSteps);
        Assert.Equal(3, plan.Evaluation.AutoAttackImages);
        Assert.Equal(0.1f, plan.Evaluation.Epsilon);
        Assert.Equal(PlanAblation.Baseline, Assert.Single(plan.VariantsOf("autolora")).Name);
        var s = plan.SettingsFor("autolora", PlanAblation.Default, 1);
        Assert.Equal(("autolora", 0.1f, 0.03f, 2), (s.Method.Name, s.Attack.Epsilon, s.Attack.StepSize, s.Attack.Steps));
        // Without an attack-step the training attack steps by ε/4.
        var pretrain = plan.PretrainSettings(plan.Models[0].Pretrain!);
        Assert.Equal(("pgd-at", 0.025f, 3), (pretrain.Method.Name, pretrain.Attack.StepSize, pretrain.Seed));
    }

    [Fact]
    public void EveryProblemIsReportedAtOnceWithItsPlace()
    {
        var json = TinyPlan.Json();
        json["methods"] = new JsonArray("autolora", "bogus");
        json["colour"] = "blue";
        json["settings"]!["lr-milestone"] = 3;
        json["settings"]!["epochs"] = "five";
        json["datasets"]!.AsArray().Add(new JsonObject { ["name"] = "gone", ["data"] = "missing" });
        json["ablations"] = new JsonArray(new JsonObject { ["name"] = "x", ["methods"] = new JsonArray("natural"), ["settings"] = new JsonObject() });
        var problems = TinyPlan.Problems(json);

        Assert.Contains(problems, p => p.StartsWith("methods[1]: ", StringComparison.Ordinal) && p.Contains("'bogus' is unknown", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("colour: unknown key", StringComparison.Ordinal) && p.Contains("epsilon", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("settings.lr-milestone: unknown setting", StringComparison.Ordinal) && p.Contains("lr-milestones", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("settings.epochs: must be a whole number", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("dataset 'gone': missing: directory not found", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("ablations[0].methods: 'natural' is not one of the plan's methods", StringComparison.Ordinal));
        Assert.Equal(6, problems.Count);
    }

    [Fact]
    public void MissingFieldsAndFilesAreNamed()
    {
        var json = TinyPlan.Json();
        json.Remove("epsilon");
        ((JsonObject)json["settings"]!).Remove("epochs");
        json["models"] = new JsonArray(
            new JsonObject { ["name"] = "ckpt", ["checkpoint"] = Path.Combine(Path.GetTempPath(), "no-such-model.safetensors") },
            new JsonObject { ["name"] = "neither" },
            new JsonObject { ["name"] = "bad name!", ["pretrain"] = new JsonObject { ["data"] = "halves", ["arch"] = "resnet19", ["settings"] = new JsonObject { ["epochs"] = 1 } } });
        var problems = TinyPlan.Problems(json);

        Assert.Contains("epsilon: required.", problems);
        Assert.Contains("settings.epochs: required.", problems);
        Assert.Contains(problems, p => p.StartsWith("model 'ckpt': checkpoint ", StringComparison.Ordinal) && p.EndsWith("no-such-model.safetensors: no such file.", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("models[1]: give either \"checkpoint\"", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("models[2].name: 'bad name!'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("models[2].pretrain.arch: 'resnet19' is unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void SettingsThatCannotWorkTogetherNameTheirVariant()
    {
        var json = TinyPlan.Json();
        json["ablations"] = new JsonArray(new JsonObject { ["name"] = "half-fixed", ["methods"] = new JsonArray("autolora"), ["settings"] = new JsonObject { ["lambda1"] = 0.5 } });
        var problem = Assert.Single(TinyPlan.Problems(json));
        Assert.StartsWith("method 'autolora', ablation 'half-fixed': lambda1 and lambda2 must be given together", problem);
    }

    [Fact]
    public void AMethodsOwnSettingThatItDoesNotUseIsNamed()
    {
        var json = TinyPlan.Json();
        json["method-settings"] = new JsonObject { ["vanilla"] = new JsonObject { ["beta"] = 3, ["rank"] = 4 } };
        Assert.Equal("method-settings.vanilla.rank: vanilla does not use rank; it applies to autolora.", Assert.Single(TinyPlan.Problems(json)));
    }

    [Fact]
    public void UnsetEnvironmentVariableIsNamedOnce()
    {
        var json = TinyPlan.Json();
        json["datasets"]![0]!["data"] = "mnist:${AUTOLORA_TEST_SURELY_UNSET_DIR}";
        var problem = Assert.Single(TinyPlan.Problems(json));
        Assert.Equal("datasets[0].data: environment variable AUTOLORA_TEST_SURELY_UNSET_DIR is not set (the plan reads it as ${AUTOLORA_TEST_SURELY_UNSET_DIR}).", problem);
    }

    [Fact]
    public void TwinsItsSettingsAndTheScalarSchedulerParse()
    {
        var json = TinyPlan.Json();
        json["methods"] = new JsonArray("autolora", "vanilla", "twins");
        json["method-settings"] = new JsonObject { ["twins"] = new JsonObject { ["gamma"] = 0.4, ["twins-kl"] = "mean" } };
        json["ablations"] = new JsonArray(new JsonObject { ["name"] = "auto-scalars", ["methods"] = new JsonArray("vanilla", "twins"), ["settings"] = new JsonObject { ["auto-scalars"] = true } });
        var plan = TinyPlan.Parse(json);
        var cells = PlanGrid.Expand(plan).Cells;
        Assert.Equal(5, cells.Count);
        var twins = plan.SettingsFor("twins", plan.Ablations.Single(a => a.Name == "auto-scalars"), seed: 1);
        Assert.Equal("twins", twins.Method.Name);
        Assert.Equal(0.4f, twins.Get(TwinsRecipe.Gamma));
        Assert.Equal(TwinsKlNormalization.PerWingMean, twins.Get(TwinsRecipe.KlNormalization));
        Assert.True(twins.Get(TradesRecipe.AutoScalars));
    }

    [Fact]
    public void PlanKeysReachTheirSettings()
    {
        var json = TinyPlan.Json();
        json["method-settings"] = new JsonObject { ["vanilla"] = new JsonObject { ["lr"] = 0.003, ["weight-decay"] = 1e-5, ["lr-milestones"] = new JsonArray(30, 50), ["beta"] = 3 } };
        json["ablations"] = new JsonArray(
            new JsonObject
            {
                ["name"] = "all",
                ["settings"] = new JsonObject
                {
                    ["lambda1"] = 0.25, ["lambda2"] = 2, ["lambda2-max"] = 4, ["alpha"] = 2, ["rank"] = 4, ["momentum"] = 0.5,
                    ["validation-step"] = 0.01, ["crop-padding"] = 2, ["horizontal-flip"] = true, ["lr"] = null,
                    ["input-size"] = 24, ["resize-mode"] = "nearest",
                },
            });
        var plan = TinyPlan.Parse(json);
        var vanilla = plan.SettingsFor("vanilla", PlanAblation.Default, seed: 5);
        Assert.Equal(("vanilla", 0.003f, 1e-5f, 3f, 5, 2, 16), (vanilla.Method.Name, vanilla.LearningRate, vanilla.WeightDecay, vanilla.Get(TradesRecipe.Beta), vanilla.Seed, vanilla.Epochs, vanilla.BatchSize));
        Assert.Equal([30, 50], vanilla.LearningRateMilestones!);
        Assert.Equal((0.1f, 0.03f, 2), (vanilla.Attack.Epsilon, vanilla.Attack.StepSize, vanilla.Attack.Steps));

        // The ablation comes last: its null learning rate undoes the method's 0.003.
        var all = plan.SettingsFor("vanilla", plan.VariantsOf("vanilla").Single(v => v.Name == "all"), seed: 1);
        Assert.Null(all.LearningRate);
        Assert.Equal((0.25f, 2f, 4f, 2f, 4, 0.5f, 0.01f, 2, true), (all.Get(ScalarSettings.Lambda1), all.Get(ScalarSettings.Lambda2), all.Get(ScalarSettings.Lambda2Max), all.Get(ScalarSettings.Alpha), all.Get(AutoLoraRecipe.Rank), all.Momentum, all.ValidationStepSize, all.CropPadding, all.HorizontalFlip));
        Assert.Equal(1e-5f, all.WeightDecay);
        Assert.Equal((24, Core.Backends.ResizeMode.Nearest), (all.InputSize, all.InputResize));
        Assert.Equal<(int?, Core.Backends.ResizeMode?)>((null, null), (vanilla.InputSize, vanilla.InputResize));
    }
}
