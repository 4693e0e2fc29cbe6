using AutoLoRa.Training.Recipes.Settings;

namespace AutoLoRa.Training.Recipes;

/// <summary>Which images' robust accuracy picks a run's best checkpoint (best.safetensors).</summary>
public enum CheckpointSelection
{
    /// <summary>The held-out validation split of the training data (ours, and every run's default).</summary>
    Validation,

    /// <summary>
    /// The test set, as the authors' code does (<c>AutoLoRa_high_resolution.py</c> L220–231 keeps
    /// <c>checkpoint_best.pth</c> by test-set PGD accuracy): the reported numbers then come from the
    /// set that chose the model, which flatters them. Reproduction plans only.
    /// </summary>
    Test,
}

/// <summary>
/// Setting <c>select-on</c>: one home for the checkpoint selection, its warning and its check. The
/// protocol does not switch it (README: choosing on the test set is asked for by name, never implied).
/// </summary>
public static class SelectionSettings
{
    /// <summary>Setting <c>select-on</c> (<see cref="RecipeSettings.SelectOn"/>); a plan key only, since only a reproduction run has a test set.</summary>
    public static Setting<CheckpointSelection> SelectOn { get; } = new("select-on",
        "validation | test: whose PGD accuracy (the validation attack's) picks best.safetensors. test is the authors' code's choice, which flatters " +
        "the numbers it reports; reproduction plans only, with a warning printed and recorded in config.json and results.md.",
        SettingFormats.Choice<CheckpointSelection>("select-on", [("validation", CheckpointSelection.Validation), ("test", CheckpointSelection.Test)], v => v.ToString()))
    {
        Get = s => s.SelectOn,
        Set = (s, v) => s with { SelectOn = v },
        Surface = SettingSurface.Plan,
    };

    /// <summary>Whether <paramref name="s"/> picks its checkpoint on the test set.</summary>
    public static bool OnTest(RecipeSettings s) => s.SelectOn == CheckpointSelection.Test;

    /// <summary>The warning a run that selects on the test set prints and records; null for one that does not.</summary>
    public static string? Warning(RecipeSettings s) => OnTest(s)
        ? $"{SelectOn.Key} test: the best checkpoint is chosen by its PGD accuracy on the test set it is then scored on (the authors' protocol), " +
          "so its test numbers are optimistic and not comparable with validation-selected ones."
        : null;

    /// <summary>Refuses selection on a test set the run does not have (only reproduction runs pass one).</summary>
    /// <exception cref="SettingException">select-on test without a test set.</exception>
    public static void CheckTestSet(RecipeSettings s, IImageSet? test)
    {
        if (OnTest(s) && test is null)
        {
            throw new SettingException(SelectOn.Key, k => $"{k} test needs the test set, which only a reproduction plan's fine-tuning runs have; this run has none (use {k} validation).");
        }
    }
}
