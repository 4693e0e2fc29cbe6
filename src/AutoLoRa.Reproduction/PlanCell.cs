using AutoLoRa.Training.Recipes;

namespace AutoLoRa.Reproduction;

/// <summary>
/// A backbone as the grid uses it: the plan's entry, its PGD-AT settings when the runner
/// pre-trains it, and its identity (the checkpoint's content, or the pre-training's description).
/// </summary>
public sealed record GridModel(PlanModel Entry, RecipeSettings? PretrainSettings, string Identity)
{
    /// <summary>The model's name in the plan.</summary>
    public string Name => Entry.Name;

    /// <summary>Directory of a pre-trained backbone's run, under the output's models/.</summary>
    public string DirectoryName => $"{Name}-{Identity[..10]}";
}

/// <summary>
/// One run of the grid: fine-tune <see cref="Model"/> on <see cref="Dataset"/> with a method's
/// variant and a seed, then evaluate. <see cref="TrainingIdentity"/> covers what training depends
/// on (it names the run directory, so a changed setting never resumes another run's checkpoint);
/// <see cref="Identity"/> adds the evaluation, and a result counts only when it carries it.
/// </summary>
public sealed record PlanCell(
    PlanDataset Dataset,
    GridModel Model,
    string Method,
    string Ablation,
    int Seed,
    RecipeSettings Settings,
    string TrainingIdentity,
    string Identity)
{
    /// <summary>dataset.model.method.ablation.sSEED: the cell's name in tables.</summary>
    public string Name => $"{Dataset.Name}.{Model.Name}.{Method}.{Ablation}.s{Seed}";

    /// <summary>Directory of the cell's run, under the output's cells/.</summary>
    public string DirectoryName => $"{Name}-{TrainingIdentity[..10]}";
}
