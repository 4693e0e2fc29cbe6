using AutoLoRa.Nn;
using AutoLoRa.Training.Evaluation;
using AutoLoRa.Training.Recipes.Settings;
using AutoLoRa.Training.Schedules;

namespace AutoLoRa.Training.Recipes;

/// <summary>
/// The settings of the methods that weigh a natural and an adversarial objective (AutoLoRa, vanilla
/// RFT, TWINS): AutoLoRa's scalar scheduler (λ1 = 1 − SA^α, λ2 = λ2max·SA^α, or both fixed), the
/// clean-accuracy probe it reads, and the gradient-similarity diagnostic of the two objectives.
/// </summary>
public static class ScalarSettings
{
    public static Setting<float?> Lambda1 { get; } = Setting<float?>.Owned("lambda1", null, "Fixed λ1 (given with λ2, it disables the automatic scalars).", SettingFormats.OptionalFloat);

    public static Setting<float?> Lambda2 { get; } = Setting<float?>.Owned("lambda2", null, "Fixed λ2 (given with λ1).", SettingFormats.OptionalFloat);

    public static Setting<float> Lambda2Max { get; } = Setting<float>.Owned("lambda2-max", 6f, "λ2max of the automatic scalars.", SettingFormats.Float);

    public static Setting<float> Alpha { get; } = Setting<float>.Owned("alpha", 1f, "α of the automatic scalars (λ1 = 1 − SA^α).", SettingFormats.Float);

    public static Setting<int> GradSimBatches { get; } = Setting<int>.Owned("grad-sim-batches", 0,
        "Training batches the gradient similarity of the natural and adversarial objectives is measured on after every epoch (0: not tracked).", SettingFormats.Int, showsDefault: false);

    public static Setting<int> ScalarProbeSize { get; } = Setting<int>.Owned("scalar-probe-size", 2000,
        "Training images the automatic scalars measure clean accuracy on (a fixed random subset).", SettingFormats.Int);

    /// <summary>In the order help texts list them.</summary>
    public static IReadOnlyList<SettingDescriptor> All { get; } = [Lambda1, Lambda2, Lambda2Max, Alpha, GradSimBatches, ScalarProbeSize];

    /// <summary>
    /// The scalar and diagnostic settings of any method, checked in one place because most checks
    /// are about a method that has no such objectives (a plan may set them for every method).
    /// </summary>
    /// <exception cref="SettingException">The first setting that cannot work.</exception>
    public static void Validate(MethodRecipe method, RecipeSettings s)
    {
        float? lambda1 = s.Get(Lambda1);
        bool pair = method.Uses(Lambda1), autoScalars = s.Get(TradesRecipe.AutoScalars);
        if (lambda1.HasValue != s.Get(Lambda2).HasValue)
        {
            throw new SettingException([Lambda1.Key, Lambda2.Key], k => $"{k[0]} and {k[1]} must be given together (fixed scalars) or not at all (automatic).");
        }
        if (lambda1 is < 0 or > 1) throw new SettingException(Lambda1.Key, k => $"{k} must be in [0, 1] (got {lambda1}).");
        if (autoScalars && !method.Uses(TradesRecipe.AutoScalars))
        {
            throw new SettingException([TradesRecipe.AutoScalars.Key, Lambda1.Key, Lambda2.Key],
                k => $"{k[0]} applies to vanilla and twins; AutoLoRa's scalars are automatic unless {k[1]}/{k[2]} fix them.");
        }
        if (autoScalars && lambda1.HasValue)
        {
            throw new SettingException([TradesRecipe.AutoScalars.Key, Lambda1.Key, Lambda2.Key], k => $"{k[0]} and fixed {k[1]}/{k[2]} exclude each other.");
        }
        if (lambda1.HasValue && !pair) throw new SettingException([Lambda1.Key, Lambda2.Key], k => $"{k[0]}/{k[1]} do not apply to the {method.Title} method.");
        int batches = s.Get(GradSimBatches);
        if (batches < 0) throw new SettingException(GradSimBatches.Key, k => $"{k} must not be negative (got {batches}).");
        if (batches > 0 && !pair)
        {
            throw new SettingException(GradSimBatches.Key, _ => $"The {method.Title} method has no natural and adversarial objectives whose gradients could be compared.");
        }
    }

    /// <summary>Fixed λ1/λ2 when both are given, else the automatic rule.</summary>
    public static AutomaticScalars Scalars(RecipeSettings s) => s.Get(Lambda1) is float l1 && s.Get(Lambda2) is float l2
        ? AutomaticScalars.Fixed(l1, l2)
        : AutomaticScalars.Automatic(s.Get(Alpha), s.Get(Lambda2Max));

    /// <summary>Clean accuracy along <paramref name="branch"/> on the scalar probe: a fixed subset of the training data, or (reference protocol) all of it.</summary>
    public static Func<float> Accuracy(Backend backend, Classifier model, RecipeSettings s, IImageSet train, Branch branch)
    {
        var probe = ProtocolSettings.ScalarProbeIsWholeTrainingSet(s) ? train : TrainingProbe.Subset(train, s.Get(ScalarProbeSize), s.Seed, TrainingProbe.ScalarStream);
        var evaluator = new Evaluator(backend, Math.Max(128, s.BatchSize));
        return () => evaluator.CleanAccuracy(model, probe, branch);
    }
}
