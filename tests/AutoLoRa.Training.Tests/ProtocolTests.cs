using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Robust;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Tests;

/// <summary>Each point <c>--protocol reference</c> switches, against <c>ours</c>: each test fails if its point is switched the other way.</summary>
public sealed class ProtocolTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    private static RecipeSettings Settings(Protocol protocol, string method = "autolora") =>
        new() { Method = RecipeCatalogue.Get(method), RunDirectory = "", Protocol = protocol };

    [Fact]
    public void Reference_bookkeeping_halves_on_no_new_best_right_after_a_halving()
    {
        // Epochs 0-4 fall (condition 1 halves at the check of epoch 4); epochs 5-8 rise every epoch
        // (no condition 1) but stay below the best of epoch 0, so the best has not moved since.
        float[] history = [0.5f, 0.4f, 0.3f, 0.2f, 0.1f, 0.11f, 0.12f, 0.13f, 0.14f];
        HalvingReason AtEpoch8(bool reference)
        {
            var rule = new AutomaticLearningRate(referenceBookkeeping: reference);
            var decisions = history.Select(rule.Record).ToList();
            Assert.Equal(HalvingReason.Condition1, decisions[4].Halving);
            return decisions[8].Halving;
        }
        Assert.Equal(HalvingReason.None, AtEpoch8(reference: false)); // the paper: it was halved at the previous check
        Assert.Equal(HalvingReason.Condition2, AtEpoch8(reference: true));
        Assert.True(((AutomaticSchedule)RecipeCatalogue.Get("autolora").CreateSchedule(Settings(Protocol.Reference))).Rule.ReferenceBookkeeping);
        Assert.False(((AutomaticSchedule)RecipeCatalogue.Get("autolora").CreateSchedule(Settings(Protocol.Ours))).Rule.ReferenceBookkeeping);
    }

    [Fact]
    public void Reference_puts_no_lora_on_shortcut_convolutions_and_its_files_say_so()
    {
        var data = Tiny.Halves(24, seed: 1);
        using var ours = Tiny.Model(_cpu);
        using var reference = Tiny.Model(_cpu);
        using (Recipe.CreateTrainer(_cpu, ours, Settings(Protocol.Ours), data)) { }
        using (Recipe.CreateTrainer(_cpu, reference, Settings(Protocol.Reference), data)) { }
        var shortcuts = ours.Convolutions().Where(c => c.Name.EndsWith(".downsample.0", StringComparison.Ordinal)).Select(c => c.Name).ToList();
        Assert.NotEmpty(shortcuts);
        Assert.All(ours.Convolutions().Where(c => shortcuts.Contains(c.Name)), c => Assert.True(c.Conv.HasLora));
        Assert.All(reference.Convolutions().Where(c => shortcuts.Contains(c.Name)), c => Assert.False(c.Conv.HasLora));
        Assert.True(reference.Convolutions().Count(c => c.Conv.HasLora) > 0);

        string path = Path.Combine(Path.GetTempPath(), $"autolora-protocol-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFiles.ModelFile.Save(path, reference);
            using var loaded = ModelFiles.ModelFile.Load(path, _cpu);
            Assert.False(loaded.Spec.LoraShortcuts);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Reference_starts_the_training_attack_uniformly_and_validates_without_a_random_start()
    {
        var data = Tiny.Halves(24, seed: 1);
        using var model = Tiny.Model(_cpu);
        using var reference = (AutoLora)Recipe.CreateTrainer(_cpu, model, Settings(Protocol.Reference), data);
        Assert.Equal(PgdStart.Uniform, reference.Attack.Start);
        using var other = Tiny.Model(_cpu);
        using var ours = (AutoLora)Recipe.CreateTrainer(_cpu, other, Settings(Protocol.Ours), data);
        Assert.Equal(PgdStart.SmallGaussian, ours.Attack.Start);

        Assert.Equal(PgdStart.None, Recipe.Options(Settings(Protocol.Reference)).ValidationAttack.Start);
        Assert.Equal(PgdStart.Uniform, Recipe.Options(Settings(Protocol.Ours)).ValidationAttack.Start);
    }

    [Fact]
    public void Reference_initialises_a_fine_tuning_head_as_pytorch_and_resizes_by_nearest()
    {
        using var ours = Tiny.Model(_cpu);
        using var reference = Tiny.Model(_cpu);
        ours.ReplaceHead(3);
        reference.ReplaceHead(3);
        Recipe.PrepareModel(ours, Settings(Protocol.Ours) with { InputSize = 16 });
        Recipe.PrepareModel(reference, Settings(Protocol.Reference) with { InputSize = 16 });
        Assert.All(ours.Head.Weight.ToArray(), w => Assert.Equal(0f, w));
        float bound = 1f / MathF.Sqrt(ours.Head.Weight.Shape[1]);
        var weights = reference.Head.Weight.ToArray();
        Assert.Contains(weights, w => w != 0f);
        Assert.All(weights, w => Assert.InRange(w, -bound, bound));
        Assert.Equal(ResizeMode.Bilinear, ours.Spec.InputResize);
        Assert.Equal(ResizeMode.Nearest, reference.Spec.InputResize);
    }

    [Fact]
    public void Reference_measures_the_sa_behind_lambda_once_per_epoch_on_the_whole_training_set()
    {
        int MeasurementsIn8Batches(Protocol protocol)
        {
            int calls = 0;
            var scalars = new MeasuredScalars(AutomaticScalars.Automatic(1f, 6f), () => ++calls * 0.1f, ProtocolSettings.ScalarRefreshesPerEpoch(Settings(protocol)));
            for (int batch = 0; batch < 8; batch++) scalars.OnEpochProgress(batch, 8);
            return calls;
        }
        Assert.Equal(4, MeasurementsIn8Batches(Protocol.Ours));
        Assert.Equal(1, MeasurementsIn8Batches(Protocol.Reference));
        Assert.True(ProtocolSettings.ScalarProbeIsWholeTrainingSet(Settings(Protocol.Reference)));
        Assert.False(ProtocolSettings.ScalarProbeIsWholeTrainingSet(Settings(Protocol.Ours)));
    }

    [Fact]
    public void Vanilla_attacks_from_the_small_gaussian_start_with_the_settings_steps_under_either_protocol()
    {
        // The authors' vanilla RFT (trades_loss in Finetuning_Methods/AutoLoRa/utils.py at e4d9ebf) starts at
        // x + 0.001·N(0, 1) and takes num_steps_train = 10 steps of step_size = 2/255: the reference protocol
        // must not give it AutoLoRa's uniform start.
        var data = Tiny.Halves(24, seed: 1);
        foreach (var protocol in new[] { Protocol.Reference, Protocol.Ours })
        {
            using var model = Tiny.Model(_cpu);
            var s = Settings(protocol, "vanilla");
            using var vanilla = (VanillaRft)Recipe.CreateTrainer(_cpu, model, s, data);
            Assert.Equal(s.Attack with { Objective = PgdObjective.KlDivergence, Start = PgdStart.SmallGaussian }, vanilla.Attack);
        }
        // The reference's ε 8/255, step 2/255 and 10 steps are the settings' defaults.
        Assert.Equal(new PgdConfig(8f / 255f, 2f / 255f, 10), Settings(Protocol.Reference, "vanilla").Attack);
    }

    [Fact]
    public void Ours_is_the_default_and_settings_json_leaves_it_out_of_identities()
    {
        var s = new RecipeSettings { Method = RecipeCatalogue.Get("autolora"), RunDirectory = "" };
        Assert.Equal(Protocol.Ours, s.Protocol);
        Assert.Equal("Reference", SettingsJson.Write(s with { Protocol = Protocol.Reference })["Protocol"]!.GetValue<string>());
    }
}
