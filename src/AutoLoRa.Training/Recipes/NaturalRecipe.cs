using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using AutoLoRa.Core.Backends;
using AutoLoRa.Data;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>Natural (clean) fine-tuning: cross-entropy on clean images, no attack.</summary>
public sealed class NaturalRecipe : MethodRecipe
{
    /// <inheritdoc/>
    public override string Name => "natural";

    /// <inheritdoc/>
    public override string Title => "Natural";

    /// <inheritdoc/>
    public override int Position => 3;

    [ModuleInitializer, SuppressMessage("Usage", "CA2255", Justification = "The recipe joins the catalogue as the library loads; the catalogue orders by Position.")]
    internal static void JoinCatalogue() => RecipeCatalogue.Join(new NaturalRecipe());

    /// <inheritdoc/>
    public override Trainer CreateTrainer(Backend backend, Classifier model, RecipeSettings s, IImageSet train) =>
        new NaturalFineTuning(model, LearningRate(s), s.Momentum, WeightDecay(s));
}
