namespace AutoLoRa.Training.Recipes;

/// <summary>How a pre-trained model starts fine-tuning, whichever verb or runner opened it.</summary>
public static class FineTuning
{
    /// <summary>
    /// <paramref name="model"/> (opened from <paramref name="path"/>) as the plain network the file
    /// deploys — any LoRA branch discarded (an AutoLoRa model deploys and is scored on W alone; W + s·BA
    /// is its natural branch, never evaluated), any TWINS frozen wing dropped (TWINS deploys its
    /// adaptive wing) — with a new zero-initialised head for the downstream classes, as the
    /// reference does; disposed on error.
    /// </summary>
    /// <exception cref="ArgumentException">The model expects another number of input channels than the data has.</exception>
    public static Classifier Prepare(Classifier model, string path, int classes, int channels)
    {
        if (model.Spec.InChannels != channels)
        {
            model.Dispose();
            throw new ArgumentException($"{path} expects {model.Spec.InChannels}-channel images but the data has {channels} channels.");
        }
        if (model.HasLora) model.RemoveLora();
        if (model.HasTwinNorms) model.RemoveFrozenWings();
        model.ReplaceHead(classes);
        return model;
    }
}
