using System.Text.Json.Nodes;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Reproduction;

/// <summary>
/// A plan expanded into its cells: datasets × models × seeds × methods × (baseline + applicable
/// ablations), in that nesting, so that every variant of the first seed finishes before the
/// second seed starts and an interrupted plan already compares all methods.
/// </summary>
public sealed class PlanGrid
{
    private PlanGrid(ReproductionPlan plan, IReadOnlyList<GridModel> models, IReadOnlyList<PlanCell> cells)
    {
        Plan = plan;
        Models = models;
        Cells = cells;
    }

    /// <summary>The plan expanded.</summary>
    public ReproductionPlan Plan { get; }

    /// <summary>The backbones, each (dataset, model, seed) once.</summary>
    public IReadOnlyList<GridModel> Models { get; }

    /// <summary>Every fine-tuning run, in run order.</summary>
    public IReadOnlyList<PlanCell> Cells { get; }

    /// <summary>The cells of a plan that <see cref="PlanParser"/> accepted (checkpoint files are hashed here).</summary>
    public static PlanGrid Expand(ReproductionPlan plan)
    {
        var models = plan.Models.Select(m => Model(plan, m)).ToList();
        var cells = (from dataset in plan.Datasets
                     from model in models
                     from seed in plan.Seeds
                     from method in plan.Methods
                     from variant in plan.VariantsOf(method)
                     select Cell(plan, dataset, model, seed, method, variant)).ToList();
        return new PlanGrid(plan, models, cells);
    }

    private static PlanCell Cell(ReproductionPlan plan, PlanDataset dataset, GridModel model, int seed, string method, PlanAblation variant)
    {
        var settings = plan.SettingsFor(method, variant, seed);
        string training = CellIdentity.Hash(new JsonObject
        {
            ["dataset"] = new JsonObject { ["data"] = dataset.Data, ["classes"] = dataset.Classes, ["train_images"] = dataset.TrainImages },
            ["model"] = model.Identity,
            ["settings"] = CellIdentity.Settings(settings),
        });
        string identity = CellIdentity.Hash(new JsonObject { ["training"] = training, ["evaluation"] = Evaluation(plan) });
        return new PlanCell(dataset, model, method, variant.Name, seed, settings, training, identity);
    }

    private static GridModel Model(ReproductionPlan plan, PlanModel entry)
    {
        if (entry.Pretrain is not { } p) return new GridModel(entry, null, CellIdentity.Hash(new JsonObject { ["checkpoint"] = ModelIdentity.Of(entry.Checkpoint!) }));
        var settings = plan.PretrainSettings(p);
        return new GridModel(entry, settings, CellIdentity.Hash(new JsonObject
        {
            ["pretrain"] = new JsonObject { ["data"] = p.Data, ["classes"] = p.Classes, ["train_images"] = p.TrainImages, ["arch"] = p.Architecture, ["width"] = p.Width },
            ["settings"] = CellIdentity.Settings(settings),
        }));
    }

    private static JsonObject Evaluation(ReproductionPlan plan) => new()
    {
        ["epsilon"] = plan.Evaluation.Epsilon,
        ["pgd_steps"] = plan.Evaluation.PgdSteps,
        ["pgd_step"] = plan.Evaluation.PgdStepSize,
        ["autoattack_images"] = plan.Evaluation.AutoAttackImages,
        ["batch_size"] = plan.Evaluation.BatchSize,
        ["test_images"] = plan.TestImages,
    };
}
