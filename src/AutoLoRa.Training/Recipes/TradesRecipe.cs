using AutoLoRa.Nn;
using AutoLoRa.Training.Recipes.Settings;
using AutoLoRa.Training.Schedules;

namespace AutoLoRa.Training.Recipes;

/// <summary>The TRADES family (vanilla RFT and TWINS): β, and AutoLoRa's scalar scheduler as an option (the authors' ablation).</summary>
public abstract class TradesRecipe(string name, string title, int position) : MethodRecipe(name, title, position)
{
    /// <summary>TRADES's β (vanilla RFT and TWINS).</summary>
    public static Setting<float> Beta { get; } = Setting<float>.Owned("beta", 6f, "TRADES's β, the weight of the KL term (vanilla and twins).", SettingFormats.Float);

    /// <summary>
    /// λ1 = 1 − SA^α weighs the clean CE and λ2 = λ2max·SA^α takes β's place, SA being the model's own
    /// clean accuracy on the scalar probe (eval mode; for TWINS the adaptive wing).
    /// </summary>
    public static Setting<bool> AutoScalars { get; } = Setting<bool>.Owned("auto-scalars", false,
        "Vanilla RFT and TWINS with AutoLoRa's scalar scheduler: λ1·CE + λ2·KL from the model's clean training accuracy.", SettingFormats.Flag);

    public override IReadOnlyList<SettingDescriptor> Settings { get; } = [.. ScalarSettings.All, Beta, AutoScalars];

    /// <summary>
    /// λ1/λ2 with auto-scalars or fixed lambda1/lambda2, else null (TRADES's 1 and β). Without a
    /// natural branch, the accuracy the rule reads is the model's own clean accuracy in eval mode,
    /// which for TWINS is its adaptive wing: the network it deploys.
    /// </summary>
    protected static MeasuredScalars? Scalars(Backend backend, Classifier model, RecipeSettings s, IImageSet train) =>
        s.Get(AutoScalars) || s.Get(ScalarSettings.Lambda1).HasValue
            ? new MeasuredScalars(ScalarSettings.Scalars(s), ScalarSettings.Accuracy(backend, model, s, train, Branch.Main), ProtocolSettings.ScalarRefreshesPerEpoch(s))
            : null;
}
