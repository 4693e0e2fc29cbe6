using AutoLoRa.Core;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Training.Recipes.Settings;

namespace AutoLoRa.Training.Tests;

/// <summary>The settings schema: one declaration per setting, the plan keys users know, errors that name settings.</summary>
public sealed class SettingSchemaTests
{
    private static RecipeSettings Defaults(string method) => new() { Method = RecipeCatalogue.Get(method), RunDirectory = "" };

    [Fact]
    public void PlanKeysAreTheOnesPlansHaveAlwaysHad()
    {
        // lora-targets and optimizer joined with the vision transformers, protocol and select-on with the reference
        // protocol; their defaults keep every older plan's meaning. select-on is a plan key only (only reproduction has a test set).
        Assert.Equal(
            ["alpha", "attack-step", "attack-steps", "auto-scalars", "batch-size", "beta", "crop-padding", "epochs", "gamma", "grad-sim-batches",
             "horizontal-flip", "input-size", "lambda1", "lambda2", "lambda2-max", "lora-targets", "lr", "lr-milestones", "momentum", "optimizer", "protocol", "rank", "resize-mode", "scalar-probe-size", "select-on", "twins-kl",
             "val-fraction", "validation-step", "validation-steps", "weight-decay"],
            SettingSchema.PlanKeys.Select(s => s.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EachSettingIsDeclaredOnceAndNamedInJsonByItsKey()
    {
        Assert.Equal(SettingSchema.All.Count, SettingSchema.All.Select(s => s.Key).Distinct().Count());
        Assert.Equal("Lambda2Max", ScalarSettings.Lambda2Max.JsonName);
        Assert.Equal("TwinsKl", TwinsRecipe.KlNormalization.JsonName);
    }

    [Fact]
    public void EveryRecipeJoinsTheCatalogueOnceInItsPosition()
    {
        var recipeTypes = typeof(MethodRecipe).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(MethodRecipe)) && !t.IsAbstract).OrderBy(t => t.Name).ToList();
        Assert.Equal(recipeTypes, RecipeCatalogue.All.Select(m => m.GetType()).OrderBy(t => t.Name));
        Assert.Equal(["autolora", "vanilla", "twins", "natural", "pgd-at"], RecipeCatalogue.All.Select(m => m.Name));
    }

    [Fact]
    public void EachMethodUsesTheCommonSettingsAndItsOwn()
    {
        Assert.Equal("autolora | vanilla | twins | natural", RecipeCatalogue.Choices);
        Assert.All(RecipeCatalogue.All, m => Assert.True(m.Uses(CommonSettings.Epochs)));
        Assert.Equal(["twins"], SettingSchema.MethodsUsing(TwinsRecipe.Gamma).Select(m => m.Name));
        Assert.Equal(["vanilla", "twins"], SettingSchema.MethodsUsing(TradesRecipe.AutoScalars).Select(m => m.Name));
        Assert.Equal(["autolora", "vanilla", "twins"], SettingSchema.MethodsUsing(ScalarSettings.Lambda1).Select(m => m.Name));
        Assert.DoesNotContain(AutoLoraRecipe.Rank, SettingSchema.Of([RecipeCatalogue.Get("pgd-at")]));
        var e = Assert.Throws<ArgumentException>(() => RecipeCatalogue.FineTuningMethod("pgd-at", "method"));
        Assert.Equal("method 'pgd-at' is unknown; choose autolora, vanilla, twins or natural.", e.Message);
    }

    [Fact]
    public void MethodDefaultsComeFromTheRecipe()
    {
        Assert.Equal((0.001f, 1e-4f), (RecipeCatalogue.Get("vanilla").LearningRate(Defaults("vanilla")), RecipeCatalogue.Get("vanilla").WeightDecay(Defaults("vanilla"))));
        Assert.Equal((0.01f, 1e-5f), (RecipeCatalogue.Get("twins").LearningRate(Defaults("twins")), RecipeCatalogue.Get("twins").WeightDecay(Defaults("twins"))));
        Assert.Equal((0.1f, 5e-4f), (RecipeCatalogue.Get("pgd-at").LearningRate(Defaults("pgd-at")), RecipeCatalogue.Get("pgd-at").WeightDecay(Defaults("pgd-at"))));
        Assert.Equal(8, Defaults("vanilla").Get(AutoLoraRecipe.Rank));
        Assert.Equal(5, Defaults("vanilla").With(AutoLoraRecipe.Rank, 5).Get(AutoLoraRecipe.Rank));
    }

    [Fact]
    public void ErrorsNameTheSettingAndAFrontEndRespellsIt()
    {
        var e = Assert.Throws<SettingException>(() => Recipe.Validate(Defaults("autolora").With(AutoLoraRecipe.Rank, 0)));
        Assert.Equal("rank must be at least 1 for AutoLoRa (got 0).", e.Message);
        Assert.Equal(["rank"], e.Settings);
        Assert.Equal("--rank must be at least 1 for AutoLoRa (got 0).", e.Describe(k => "--" + k));

        var pair = Assert.Throws<SettingException>(() => Recipe.Validate(Defaults("natural").With(ScalarSettings.Lambda1, 0.5f).With(ScalarSettings.Lambda2, 1f)));
        Assert.Equal("--lambda1/--lambda2 do not apply to the Natural method.", pair.Describe(k => "--" + k));
        var epochs = Assert.Throws<SettingException>(() => Recipe.Validate(Defaults("twins") with { Epochs = 0 }));
        Assert.Equal("epochs must be at least 1 (got 0).", epochs.Message);
    }

    [Fact]
    public void CommandLineTextFormsParseOrNameTheirSetting()
    {
        Assert.Equal([30, 50], SettingFormats.OptionalEpochs.ParseText!("lr-milestones", "30, 50")!);
        var e = Assert.Throws<SettingException>(() => SettingFormats.OptionalEpochs.ParseText!("lr-milestones", "30;50"));
        Assert.Equal("lr-milestones must be comma-separated epochs such as 30,50 (got '30;50').", e.Message);
        var kl = TwinsRecipe.KlNormalization.Format;
        Assert.Equal(Trainers.TwinsKlNormalization.PerWingMean, kl.ParseText!("twins-kl", "mean"));
        Assert.Equal("parity", kl.FormatText!(Trainers.TwinsKlNormalization.NominalBatch));
        Assert.Equal("twins-kl 'sum' is unknown; choose parity or mean.", Assert.Throws<SettingException>(() => kl.ParseText("twins-kl", "sum")).Message);
    }
}
