using System.Runtime.CompilerServices;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>Natural (clean) fine-tuning: cross-entropy on clean images, no attack.</summary>
public sealed class NaturalRecipe() : MethodRecipe("natural", "Natural", position: 3)
{
    [ModuleInitializer]
    internal static void JoinCatalogue() => RecipeCatalogue.Join(new NaturalRecipe());

    public override Trainer CreateTrainer(Backend backend, Classifier model, RecipeSettings s, IImageSet train) =>
        new NaturalFineTuning(model, LearningRate(s), s.Momentum, WeightDecay(s));
}
