using System.Runtime.CompilerServices;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>
/// Vanilla robust fine-tuning: TRADES on the whole network. Default learning rate 0.001, the best
/// row of the AutoLoRa authors' published grid (CIFAR-100, ResNet-18, ÷10 at epochs 30 and 50:
/// 58.55 SA / 24.07 AA at 0.001, 52.19 / 20.96 at 0.01, 49.10 / 18.29 at 0.03).
/// </summary>
public sealed class VanillaRecipe() : TradesRecipe("vanilla", "Vanilla", position: 1)
{
    public override float DefaultLearningRate => 0.001f;

    /// <summary>1: the default learning rate went from 0.01 to the authors' best 0.001.</summary>
    public override int DefaultsRevision => 1;

    [ModuleInitializer]
    internal static void JoinCatalogue() => RecipeCatalogue.Join(new VanillaRecipe());

    public override Trainer CreateTrainer(Backend backend, Classifier model, RecipeSettings s, IImageSet train) =>
        new VanillaRft(model, s.Attack, LearningRate(s), s.Get(Beta), s.Momentum, WeightDecay(s), Scalars(backend, model, s, train));
}
