using System.Runtime.CompilerServices;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>PGD adversarial training from scratch (Madry et al.): the backbones fine-tuning starts from. Madry's CIFAR recipe: learning rate 0.1, weight decay 5e-4.</summary>
public sealed class PgdAtRecipe() : MethodRecipe("pgd-at", "PgdAt")
{
    [ModuleInitializer]
    internal static void JoinCatalogue() => RecipeCatalogue.Join(new PgdAtRecipe());

    public override bool FineTunes => false;

    public override float DefaultLearningRate => 0.1f;

    public override float DefaultWeightDecay => 5e-4f;

    public override Trainer CreateTrainer(Backend backend, Classifier model, RecipeSettings s, IImageSet train) =>
        new AdversarialPretraining(model, s.Attack, LearningRate(s), s.Momentum, WeightDecay(s));
}
