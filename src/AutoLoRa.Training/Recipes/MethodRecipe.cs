using AutoLoRa.Training.Recipes.Settings;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>
/// A training method: its name, the settings it owns beyond the common ones, its defaults, its
/// checks, its trainer and its learning-rate schedule. A new method is a subclass (its recipe file,
/// which also joins it to <see cref="RecipeCatalogue"/>), its trainer and its loss; the CLI's options
/// and the plan keys come from the descriptors it lists in <see cref="Settings"/>.
/// </summary>
/// <param name="name">Its <see cref="Name"/>.</param>
/// <param name="title">Its <see cref="Title"/>.</param>
/// <param name="position">Its <see cref="Position"/>.</param>
public abstract class MethodRecipe(string name, string title, int position = 100)
{
    /// <summary>The name users write (<c>finetune --method</c>, a plan's "methods"), e.g. "autolora".</summary>
    public string Name { get; } = name;

    /// <summary>The name in settings JSON (config.json, cell identities) and in sentences, e.g. "AutoLora".</summary>
    public string Title { get; } = title;

    /// <summary>Where help texts and settings JSON list it among methods of its kind (lower first; ties by name).</summary>
    public int Position { get; } = position;

    /// <summary>Whether <c>finetune</c> and plans run it; otherwise it pre-trains a backbone (<c>pretrain</c>).</summary>
    public virtual bool FineTunes => true;

    /// <summary>The settings it owns beyond <see cref="CommonSettings"/>, in the order help texts list them (several methods may list one).</summary>
    public virtual IReadOnlyList<SettingDescriptor> Settings => [];

    /// <summary>The initial learning rate when none is fixed.</summary>
    public virtual float DefaultLearningRate => 0.01f;

    /// <summary>
    /// Raised when a default of this method changes what a run does, so that reproduction cells run
    /// at the old default are not taken as finished (<c>CellIdentity</c> includes it when above 0).
    /// </summary>
    public virtual int DefaultsRevision => 0;

    /// <summary>The weight decay when none is fixed: 1e-4 for fine-tuning (the reference).</summary>
    public virtual float DefaultWeightDecay => 1e-4f;

    /// <summary>Whether it trains a model's LoRA branches (other methods refuse a model that has them).</summary>
    public virtual bool TrainsLora => false;

    /// <summary>Whether it trains TWINS's two-wing batch-norms (other methods refuse a model that has them).</summary>
    public virtual bool TrainsTwinNorms => false;

    /// <summary>Whether <paramref name="setting"/> is one of this method's (common settings are every method's).</summary>
    public bool Uses(SettingDescriptor setting) => CommonSettings.All.Contains(setting) || Settings.Contains(setting);

    /// <summary>The learning rate of <paramref name="s"/>: the fixed one, else this method's default.</summary>
    public float LearningRate(RecipeSettings s) => s.LearningRate ?? DefaultLearningRate;

    /// <summary>The weight decay of <paramref name="s"/>: the fixed one, else this method's default.</summary>
    public float WeightDecay(RecipeSettings s) => s.WeightDecay ?? DefaultWeightDecay;

    /// <summary>Throws a <see cref="SettingException"/> for a setting of this method that cannot work (the common ones are checked already).</summary>
    public virtual void Validate(RecipeSettings s)
    {
    }

    /// <summary>
    /// The trainer over <paramref name="model"/>; adds what the method needs to the model first
    /// (initialised from its current, pre-trained state).
    /// </summary>
    /// <param name="backend">Where the model lives.</param>
    /// <param name="model">The model to train (changed in place as described).</param>
    /// <param name="s">The settings (validated).</param>
    /// <param name="train">Training data: automatic scalars measure accuracy on a fixed subset of it.</param>
    public abstract Trainer CreateTrainer(Backend backend, Classifier model, RecipeSettings s, IImageSet train);

    /// <summary>The learning-rate schedule: step decay at the fixed milestones, else at the method's.</summary>
    public virtual ILearningRateSchedule CreateSchedule(RecipeSettings s)
    {
        float lr = LearningRate(s);
        return new StepSchedule(s.LearningRateMilestones is { } m ? new StepDecay(lr, m) : DefaultDecay(lr, s.Epochs));
    }

    /// <summary>Step decay without fixed milestones: TRADES's (÷10 at 50% and 83% of the epochs).</summary>
    protected virtual StepDecay DefaultDecay(float learningRate, int epochs) => StepDecay.TradesDefault(learningRate, epochs);

    public override string ToString() => Name;
}
