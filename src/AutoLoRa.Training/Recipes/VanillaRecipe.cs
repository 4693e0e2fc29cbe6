using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using AutoLoRa.Core.Backends;
using AutoLoRa.Data;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>Vanilla robust fine-tuning: TRADES on the whole network.</summary>
public sealed class VanillaRecipe : TradesRecipe
{
    public override string Name => "vanilla";

    public override string Title => "Vanilla";

    public override int Position => 1;

    [ModuleInitializer, SuppressMessage("Usage", "CA2255", Justification = "The recipe joins the catalogue as the library loads; the catalogue orders by Position.")]
    internal static void JoinCatalogue() => RecipeCatalogue.Join(new VanillaRecipe());

    public override Trainer CreateTrainer(Backend backend, Classifier model, RecipeSettings s, IImageSet train) =>
        new VanillaRft(model, s.Attack, LearningRate(s), s.Get(Beta), s.Momentum, WeightDecay(s), Scalars(backend, model, s, train));
}
