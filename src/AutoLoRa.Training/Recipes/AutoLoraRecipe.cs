using System.Runtime.CompilerServices;
using AutoLoRa.Nn;
using AutoLoRa.Training.Recipes.Settings;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>AutoLoRa: a LoRA branch learns the natural objective, the automatic scalars and learning rate steer it.</summary>
public sealed class AutoLoraRecipe() : MethodRecipe("autolora", "AutoLora", position: 0)
{
    /// <summary>The LoRA rank.</summary>
    public static Setting<int> Rank { get; } = Setting<int>.Owned("rank", 8, "LoRA rank (AutoLoRa).", SettingFormats.Int);

    [ModuleInitializer]
    internal static void JoinCatalogue() => RecipeCatalogue.Join(new AutoLoraRecipe());

    public override IReadOnlyList<SettingDescriptor> Settings { get; } = [Rank, .. ScalarSettings.All];

    public override bool TrainsLora => true;

    public override void Validate(RecipeSettings s)
    {
        int rank = s.Get(Rank);
        if (rank < 1) throw new SettingException(Rank.Key, k => $"{k} must be at least 1 for AutoLoRa (got {rank}).");
    }

    /// <summary>Adds LoRA branches (seeded; on the shortcuts as the protocol says) when the model has none.</summary>
    public override Trainer CreateTrainer(Backend backend, Classifier model, RecipeSettings s, IImageSet train)
    {
        if (!model.HasLora) model.AddLora(s.Get(Rank), new Random(s.Seed), ProtocolSettings.LoraOnShortcuts(s));
        return new AutoLora(model, s.Attack, ScalarSettings.Scalars(s), ScalarSettings.Accuracy(backend, model, s, train, Branch.Natural),
            LearningRate(s), s.Momentum, WeightDecay(s), ProtocolSettings.AutoLoraAttackStart(s), ProtocolSettings.ScalarRefreshesPerEpoch(s));
    }

    /// <summary>The automatic schedule from 0.01 (with the protocol's bookkeeping) unless a learning rate is fixed.</summary>
    public override ILearningRateSchedule CreateSchedule(RecipeSettings s) =>
        s.LearningRate is null
            ? new AutomaticSchedule(new AutomaticLearningRate(referenceBookkeeping: ProtocolSettings.ReferenceLearningRateBookkeeping(s)))
            : base.CreateSchedule(s);
}
