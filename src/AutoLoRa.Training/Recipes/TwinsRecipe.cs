using System.Runtime.CompilerServices;
using AutoLoRa.Training.Recipes.Settings;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>
/// TWINS-TRADES: two-wing batch-norms (frozen pre-trained statistics and adaptive ones). Its authors'
/// CIFAR-10 script: learning rate divided by 10 at epochs 30 and 50 of 60, weight decay 1e-5, γ 1. The
/// default learning rate, 0.01, is the best row of the AutoLoRa authors' published grid (CIFAR-100,
/// ResNet-18: 61.54 SA / 23.51 AA at 0.001, 63.03 / 25.45 at 0.01, diverged at 0.03), not the
/// TWINS script's 0.003.
/// </summary>
public sealed class TwinsRecipe() : TradesRecipe("twins", "Twins", position: 2)
{
    /// <summary>TWINS's γ, the weight of the frozen wing's CE and KL.</summary>
    public static Setting<float> Gamma { get; } = Setting<float>.Owned("gamma", 1f,
        "TWINS's γ, the weight of the frozen wing's CE and KL (default 1.0, its authors' CIFAR-10 value).", SettingFormats.Float, showsDefault: false);

    /// <summary>How TWINS normalises each wing's KL (paper-code parity by default).</summary>
    public static Setting<TwinsKlNormalization> KlNormalization { get; } = Setting<TwinsKlNormalization>.Owned("twins-kl", TwinsKlNormalization.NominalBatch,
        "TWINS's KL normalisation: parity (each wing's KL sum / batch size, as its authors' code) | mean (each wing's own mean).",
        SettingFormats.Choice<TwinsKlNormalization>("twins-kl", [("parity", TwinsKlNormalization.NominalBatch), ("mean", TwinsKlNormalization.PerWingMean)],
            v => v == TwinsKlNormalization.NominalBatch ? nameof(TwinsKlNormalization.NominalBatch) : nameof(TwinsKlNormalization.PerWingMean)));

    [ModuleInitializer]
    internal static void JoinCatalogue() => RecipeCatalogue.Join(new TwinsRecipe());

    public override IReadOnlyList<SettingDescriptor> Settings { get; } = [.. ScalarSettings.All, Beta, AutoScalars, Gamma, KlNormalization];

    public override float DefaultLearningRate => 0.01f;

    /// <summary>1: the default learning rate went from the TWINS script's 0.003 to the AutoLoRa authors' best 0.01.</summary>
    public override int DefaultsRevision => 1;

    public override float DefaultWeightDecay => 1e-5f;

    public override bool TrainsTwinNorms => true;

    public override void Validate(RecipeSettings s)
    {
        float gamma = s.Get(Gamma);
        if (!(gamma >= 0)) throw new SettingException(Gamma.Key, k => $"{k} must not be negative (got {gamma}).");
        if (s.BatchSize < 4)
        {
            throw new SettingException(CommonSettings.BatchSize.Key, k => $"{k} must be at least 4 for TWINS, so that each batch-norm wing sees two samples (got {s.BatchSize}).");
        }
    }

    /// <summary>Adds the frozen wings (copies of the pre-trained batch-norms) when the model has none.</summary>
    public override Trainer CreateTrainer(Backend backend, Classifier model, RecipeSettings s, IImageSet train)
    {
        if (!model.HasTwinNorms) model.AddTwinNorms();
        return new Twins(model, s.Attack, LearningRate(s), s.Get(Gamma), s.Get(Beta), s.BatchSize, s.Get(KlNormalization), s.Momentum, WeightDecay(s),
            Scalars(backend, model, s, train));
    }

    /// <summary>÷10 at 1/2 and 5/6 of the epochs.</summary>
    protected override StepDecay DefaultDecay(float learningRate, int epochs) => StepDecay.TwinsDefault(learningRate, epochs);
}
