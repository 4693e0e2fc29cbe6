using System.Text.Json;
using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Data;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Tests;

/// <summary>select-on test: best.safetensors follows the test set's robust accuracy, and the run files say so.</summary>
public sealed class SelectionTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "autolora-select-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _cpu.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static readonly ImageDataset Train = Tiny.Halves(48, seed: 1);
    private static readonly ImageDataset Validation = Tiny.Halves(12, seed: 2);

    /// <summary>
    /// Four epochs of vanilla RFT at a fixed rate, selecting on <paramref name="selection"/> (null: on
    /// validation); returns the run, its log and the weights after every epoch.
    /// </summary>
    private (TrainingRun Run, List<float[]> Weights) RunVanilla(string dir, IImageSet? selection)
    {
        using var model = Tiny.Model(_cpu);
        using var trainer = new VanillaRft(model, new PgdConfig(0.1f, 0.03f, 2), learningRate: 0.05f);
        var options = new TrainingOptions
        {
            Epochs = 4,
            BatchSize = 12,
            Seed = 5,
            RunDirectory = dir,
            ValidationAttack = PgdConfig.Evaluation(0.1f, steps: 2, stepSize: 0.03f),
        };
        var weights = new List<float[]>();
        // An "epoch" report comes once the epoch's record is made: the weights are the ones it scored.
        var progress = new ImmediateProgress<TrainingProgress>(p =>
        {
            if (p.Phase == "epoch") weights.Add(Flatten(model));
        });
        var run = new TrainingRun(_cpu, trainer, new StepSchedule(new StepDecay(0.05f, [100])), options);
        run.Run(Train, Validation, progress, selection: selection);
        return (run, weights);
    }

    private static float[] Flatten(Classifier model) => [.. model.Parameters().SelectMany(p => p.ToArray())];

    private float[] BestWeights(TrainingRun run)
    {
        using var best = ModelFiles.ModelFile.Load(run.BestModelPath, _cpu);
        return Flatten(best);
    }

    private static int FirstMax(IEnumerable<float> values)
    {
        var list = values.ToList();
        return list.IndexOf(list.Max());
    }

    [Fact]
    public void Best_checkpoint_is_the_epoch_of_the_best_test_robust_accuracy_not_the_best_validation_one()
    {
        // Mislabelled copies of the classes: the better the model learns, the worse it scores here,
        // so the test set's best epoch comes before the validation split's.
        var mislabelled = Tiny.Halves(12, seed: 3, labelShift: 1);
        var (run, weights) = RunVanilla(Path.Combine(_root, "test"), mislabelled);

        Assert.All(run.History, h => Assert.NotNull(h.TestRobustAccuracy));
        Assert.All(run.History, h => Assert.NotNull(h.TestCleanAccuracy));
        int byTest = FirstMax(run.History.Select(h => h.TestRobustAccuracy!.Value));
        int byValidation = FirstMax(run.History.Select(h => h.ValidationRobustAccuracy));
        Assert.NotEqual(byValidation, byTest); // the data makes the two choices differ, so the check below tells them apart
        Assert.Equal(weights[byTest], BestWeights(run));
        Assert.NotEqual(weights[byValidation], BestWeights(run));
        Assert.Contains("TestRobustAccuracy", File.ReadAllLines(Path.Combine(Path.GetDirectoryName(run.BestModelPath)!, "log.jsonl"))[0]);

        // Without a selection set the same run keeps the validation split's best epoch, and its log has no test numbers.
        var (plain, plainWeights) = RunVanilla(Path.Combine(_root, "validation"), selection: null);
        Assert.Equal(plainWeights[byValidation], BestWeights(plain));
        Assert.All(plain.History, h => Assert.Null(h.TestRobustAccuracy));
    }

    private RecipeSettings Settings(string dir, CheckpointSelection selectOn) => new()
    {
        Method = RecipeCatalogue.Get("vanilla"),
        RunDirectory = dir,
        Epochs = 1,
        BatchSize = 12,
        Attack = new PgdConfig(0.1f, 0.03f, 2),
        ValidationSteps = 2,
        ValidationFraction = 0.2,
        SelectOn = selectOn,
    };

    [Fact]
    public void Select_on_test_needs_a_test_set_and_is_recorded_with_its_warning_in_config_json()
    {
        using var model = Tiny.Model(_cpu);
        string dir = Path.Combine(_root, "recipe");
        var refused = Assert.Throws<SettingException>(() => Recipe.Train(_cpu, model, Train, Settings(dir, CheckpointSelection.Test)));
        Assert.Equal(SelectionSettings.SelectOn.Key, refused.Settings.Single());

        var run = Recipe.Train(_cpu, model, Train, Settings(dir, CheckpointSelection.Test), test: Validation);
        Assert.NotNull(run.History.Single().TestRobustAccuracy);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        Assert.Equal("Test", config.RootElement.GetProperty("settings").GetProperty("SelectOn").GetString());
        Assert.Equal(SelectionSettings.Warning(Settings(dir, CheckpointSelection.Test)), config.RootElement.GetProperty("warnings")[0].GetString());

        // The default records no warning, and a test set given without select-on test picks nothing, even
        // under the reference protocol, which does not imply select-on test (README).
        using var other = Tiny.Model(_cpu);
        string plain = Path.Combine(_root, "plain");
        var reference = Settings(plain, CheckpointSelection.Validation) with { Protocol = Protocol.Reference };
        var validated = Recipe.Train(_cpu, other, Train, reference, test: Validation);
        Assert.Null(validated.History.Single().TestRobustAccuracy);
        using var plainConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(plain, "config.json")));
        Assert.False(plainConfig.RootElement.TryGetProperty("warnings", out _));
    }
}
