using AutoLoRa.Robust;
using AutoLoRa.Training.Recipes.Settings;

namespace AutoLoRa.Training.Recipes;

/// <summary>Which protocol a run follows where the authors' code and ours differ.</summary>
public enum Protocol
{
    /// <summary>Ours: the cleaner choice at every point <see cref="ProtocolSettings"/> lists.</summary>
    Ours,

    /// <summary>
    /// The authors' code (<c>GodXuxilie/RobustSSL_Benchmark</c>, <c>Finetuning_Methods/AutoLoRa/high_resolution/</c>),
    /// point for point, to compare with the paper's numbers.
    /// </summary>
    Reference,
}

/// <summary>
/// The protocol setting and every point it switches, in one place: each member answers one question
/// the trainers, recipes and runs ask, for the settings at hand. Source lines are of
/// <c>AutoLoRa_high_resolution.py</c> at 55455ce unless named; the README's table lists them too.
/// </summary>
public static class ProtocolSettings
{
    /// <summary>Setting <c>protocol</c> (<see cref="RecipeSettings.Protocol"/>).</summary>
    public static Setting<Protocol> Setting { get; } = new("protocol",
        "ours | reference: reference runs the authors' code's protocol point for point (uniform training-attack start, validation PGD without random start, " +
        "no LoRA on shortcut convolutions, PyTorch's default head initialisation, the code's learning-rate bookkeeping, nearest input resize, " +
        "λ from the whole training set once per epoch) to compare with the paper — all but its test-set checkpoint selection, a plan's select-on key; " +
        "ours makes the cleaner choices (README: the table of differences).",
        SettingFormats.Choice<Protocol>("protocol", [("ours", Protocol.Ours), ("reference", Protocol.Reference)], v => v.ToString()))
    {
        Get = s => s.Protocol,
        Set = (s, v) => s with { Protocol = v },
    };

    private static bool Reference(RecipeSettings s) => s.Protocol == Protocol.Reference;

    /// <summary>
    /// AutoLoRa's training attack starts uniformly in the ε-ball, clipped (reference: L111
    /// <c>perturb(…, True)</c>), or at x + 0.001·N(0, 1) (ours, as the low-resolution <c>utils.py</c>).
    /// </summary>
    public static PgdStart AutoLoraAttackStart(RecipeSettings s) => Reference(s) ? PgdStart.Uniform : PgdStart.SmallGaussian;

    /// <summary>The validation attack's start: x itself (reference: L173 → <c>test</c>, L264–268 <c>perturb(…, False)</c>), or uniform (ours).</summary>
    public static PgdStart ValidationStart(RecipeSettings s) => Reference(s) ? PgdStart.None : PgdStart.Uniform;

    /// <summary>Whether LoRA goes on the shortcut (downsample) convolutions too: not in the reference's ResNet (<c>robustness/imagenet_models/resnet.py</c>), yes in ours.</summary>
    public static bool LoraOnShortcuts(RecipeSettings s) => !Reference(s);

    /// <summary>Whether the new head starts at zero (ours) or with PyTorch's default <c>nn.Linear</c> init (reference: <c>transfer_utils/fine_tunify.py</c> L11).</summary>
    public static bool ZeroHead(RecipeSettings s) => !Reference(s);

    /// <summary>
    /// Whether the automatic learning rate keeps the reference's bookkeeping (L195–209: from the
    /// second check on, "no new best since the previous check" alone halves the rate) instead of
    /// the paper's condition 2 (ours).
    /// </summary>
    public static bool ReferenceLearningRateBookkeeping(RecipeSettings s) => Reference(s);

    /// <summary>
    /// Whether the SA behind λ1/λ2 is measured on the whole training set (reference: the natural branch
    /// on <c>tr_loader</c>, L97 and L174 — whose crops and flips we do not repeat) or on the fixed
    /// scalar-probe-size subset (ours).
    /// </summary>
    public static bool ScalarProbeIsWholeTrainingSet(RecipeSettings s) => Reference(s);

    /// <summary>How often per epoch that SA is measured: once, before the epoch (reference: L97 and L174) or every quarter (ours).</summary>
    public static int ScalarRefreshesPerEpoch(RecipeSettings s) => Reference(s) ? 1 : 4;

    /// <summary>How inputs are resized when input-size is given without resize-mode: nearest (reference: <c>robustness/attacker.py</c> L326, <c>F.interpolate(inp, 224)</c>) or bilinear (ours).</summary>
    public static ResizeMode DefaultResize(RecipeSettings s) => Reference(s) ? ResizeMode.Nearest : ResizeMode.Bilinear;
}
