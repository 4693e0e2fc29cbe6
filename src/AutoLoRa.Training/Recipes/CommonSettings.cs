using AutoLoRa.Training.Optim;
using AutoLoRa.Training.Recipes.Settings;

namespace AutoLoRa.Training.Recipes;

/// <summary>The settings every method has (the typed properties of <see cref="RecipeSettings"/>), and their checks.</summary>
public static class CommonSettings
{
    /// <summary>Setting <c>epochs</c> (<see cref="RecipeSettings.Epochs"/>).</summary>
    public static Setting<int> Epochs { get; } = new("epochs", "Maximum epochs (AutoLoRa may stop earlier when its learning rate falls below 1e-5).", SettingFormats.Int)
    {
        Get = s => s.Epochs,
        Set = (s, v) => s with { Epochs = v },
    };

    /// <summary>Setting <c>batch-size</c> (<see cref="RecipeSettings.BatchSize"/>).</summary>
    public static Setting<int> BatchSize { get; } = new("batch-size", "Mini-batch size.", SettingFormats.Int)
    {
        Get = s => s.BatchSize,
        Set = (s, v) => s with { BatchSize = v },
    };

    /// <summary>Setting <c>lr</c> (<see cref="RecipeSettings.LearningRate"/>).</summary>
    public static Setting<float?> LearningRate { get; } = new("lr", "Fixed initial learning rate (for AutoLoRa this replaces the automatic schedule).", SettingFormats.OptionalFloat)
    {
        Get = s => s.LearningRate,
        Set = (s, v) => s with { LearningRate = v },
    };

    /// <summary>Setting <c>lr-milestones</c> (<see cref="RecipeSettings.LearningRateMilestones"/>).</summary>
    public static Setting<int[]?> Milestones { get; } = new("lr-milestones",
        "Epochs at which a fixed learning rate is divided by 10, e.g. 30,50 (default 50% and 83% of the epochs).", SettingFormats.OptionalEpochs)
    {
        Get = s => s.LearningRateMilestones?.ToArray(),
        Set = (s, v) => s with { LearningRateMilestones = v },
    };

    /// <summary>SGD by default for every method: the defaults (learning rates, decays) were tuned with it.</summary>
    public static Setting<OptimizerKind> Optimizer { get; } = new("optimizer",
        "sgd (default) | adamw (PyTorch's AdamW, β 0.9/0.999, decoupled weight decay; the default learning rates are tuned for SGD, so set lr, e.g. 1e-4 to 1e-3 for a ViT).",
        SettingFormats.Choice<OptimizerKind>("optimizer", [("sgd", OptimizerKind.Sgd), ("adamw", OptimizerKind.AdamW)], v => v.ToString()))
    {
        Get = s => s.Optimizer,
        Set = (s, v) => s with { Optimizer = v },
    };

    /// <summary>Setting <c>momentum</c> (<see cref="RecipeSettings.Momentum"/>).</summary>
    public static Setting<float> Momentum { get; } = new("momentum", "SGD momentum (AdamW keeps β1 = 0.9).", SettingFormats.Float)
    {
        Get = s => s.Momentum,
        Set = (s, v) => s with { Momentum = v },
    };

    /// <summary>Setting <c>weight-decay</c> (<see cref="RecipeSettings.WeightDecay"/>).</summary>
    public static Setting<float?> WeightDecay { get; } = new("weight-decay",
        "Weight decay, L2 for SGD and decoupled for AdamW (default 1e-4 for fine-tuning, 1e-5 for TWINS, 5e-4 for PGD-AT).", SettingFormats.OptionalFloat)
    {
        Get = s => s.WeightDecay,
        Set = (s, v) => s with { WeightDecay = v },
    };

    /// <summary>The attacks' radius; setting it makes the training step ε/4 (a later step-size setting overrides that). Plans set it once for every attack, at the top.</summary>
    public static Setting<float> Epsilon { get; } = new("eps", "L-infinity radius of the attacks, in [0,1] pixel units (e.g. 0.0314 for 8/255).", SettingFormats.Float)
    {
        Get = s => s.Attack.Epsilon,
        Set = (s, v) => s with { Attack = s.Attack with { Epsilon = v, StepSize = v / 4 } },
        Surface = SettingSurface.CommandLine,
    };

    /// <summary>Setting <c>attack-step</c>: the training attack's step (<see cref="RecipeSettings.Attack"/>).</summary>
    public static Setting<float> AttackStep { get; } = new("attack-step", "PGD step size (default eps/4).", SettingFormats.Float)
    {
        Get = s => s.Attack.StepSize,
        Set = (s, v) => s with { Attack = s.Attack with { StepSize = v } },
        ShowsDefault = false,
    };

    /// <summary>Setting <c>attack-steps</c>: the training attack's steps (<see cref="RecipeSettings.Attack"/>).</summary>
    public static Setting<int> AttackSteps { get; } = new("attack-steps", "PGD steps of the training attack.", SettingFormats.Int)
    {
        Get = s => s.Attack.Steps,
        Set = (s, v) => s with { Attack = s.Attack with { Steps = v } },
    };

    /// <summary>Setting <c>validation-steps</c> (<see cref="RecipeSettings.ValidationSteps"/>).</summary>
    public static Setting<int> ValidationSteps { get; } = new("validation-steps", "PGD steps of the validation attack (the reference validates with PGD-20).", SettingFormats.Int)
    {
        Get = s => s.ValidationSteps,
        Set = (s, v) => s with { ValidationSteps = v },
    };

    /// <summary>Setting <c>validation-step</c> (<see cref="RecipeSettings.ValidationStepSize"/>).</summary>
    public static Setting<float?> ValidationStep { get; } = new("validation-step", "Step size of the validation attack (default: the training attack's).", SettingFormats.OptionalFloat)
    {
        Get = s => s.ValidationStepSize,
        Set = (s, v) => s with { ValidationStepSize = v },
    };

    /// <summary>Setting <c>val-fraction</c> (<see cref="RecipeSettings.ValidationFraction"/>).</summary>
    public static Setting<double> ValidationFraction { get; } = new("val-fraction",
        "Held-out fraction of the training data for validation (PGD-20).", SettingFormats.SinglePrecisionFraction)
    {
        Get = s => s.ValidationFraction,
        Set = (s, v) => s with { ValidationFraction = v },
    };

    /// <summary>A plan's runs take their seeds from its "seeds" list.</summary>
    public static Setting<int> Seed { get; } = new("seed", "Seed for data order, augmentation, initialisation and attack noise.", SettingFormats.Int)
    {
        Get = s => s.Seed,
        Set = (s, v) => s with { Seed = v },
        Surface = SettingSurface.CommandLine,
    };

    /// <summary>The command line's --augment picks padding and flip for the data at hand.</summary>
    public static Setting<int> CropPadding { get; } = new("crop-padding", "Random-crop padding of training images in pixels (0: no crop).", SettingFormats.Int)
    {
        Get = s => s.CropPadding,
        Set = (s, v) => s with { CropPadding = v },
        Surface = SettingSurface.Plan,
    };

    /// <summary>Setting <c>horizontal-flip</c> (<see cref="RecipeSettings.HorizontalFlip"/>).</summary>
    public static Setting<bool> HorizontalFlip { get; } = new("horizontal-flip", "Random horizontal flip of training images.", SettingFormats.Flag)
    {
        Get = s => s.HorizontalFlip,
        Set = (s, v) => s with { HorizontalFlip = v },
        Surface = SettingSurface.Plan,
    };

    /// <summary>Setting <c>input-size</c> (<see cref="RecipeSettings.InputSize"/>).</summary>
    public static Setting<int?> InputSize { get; } = new("input-size",
        "Resize inputs to N×N inside the model (e.g. 224 to fine-tune an ImageNet-pretrained ResNet on 32×32 images, as the reference does; 0: no resize); saved with the model. Default: keep the model's setting.",
        SettingFormats.OptionalInt)
    {
        Get = s => s.InputSize,
        Set = (s, v) => s with { InputSize = v },
    };

    /// <summary>Setting <c>resize-mode</c> (<see cref="RecipeSettings.InputResize"/>).</summary>
    public static Setting<ResizeMode?> InputResize { get; } = new("resize-mode",
        "How the model resizes its inputs: nearest (F.interpolate's default, what the reference's F.interpolate(inp, 224) does) | bilinear (align_corners=False). " +
        "Default: with input-size, the protocol's (nearest for reference, bilinear for ours); else the model's own mode.",
        SettingFormats.OptionalChoice<ResizeMode>("resize-mode", [("nearest", ResizeMode.Nearest), ("bilinear", ResizeMode.Bilinear)], v => v.ToString()))
    {
        Get = s => s.InputResize,
        Set = (s, v) => s with { InputResize = v },
    };

    /// <summary>In the order help texts list them.</summary>
    public static IReadOnlyList<SettingDescriptor> All { get; } =
    [
        Epochs, BatchSize, LearningRate, Milestones, Optimizer, Momentum, WeightDecay, Epsilon, AttackStep, AttackSteps,
        ValidationSteps, ValidationStep, ValidationFraction, Seed, CropPadding, HorizontalFlip, InputSize, InputResize, ProtocolSettings.Setting, SelectionSettings.SelectOn,
    ];

    /// <summary>
    /// Makes <paramref name="model"/> resize its inputs as <paramref name="s"/> says: to input-size
    /// when given (by resize-mode, by default the protocol's), else at the model's own size by resize-mode
    /// when that is given; otherwise the model keeps what it has.
    /// </summary>
    public static void ResizeInputs(Classifier model, RecipeSettings s)
    {
        if (s.InputSize is int size) model.ResizeInputsTo(size, s.InputResize ?? ProtocolSettings.DefaultResize(s));
        else if (s.InputResize is { } mode && model.Spec.InputSize > 0) model.ResizeInputsTo(model.Spec.InputSize, mode);
    }

    /// <summary>Common settings that cannot work, named in one sentence each.</summary>
    /// <exception cref="SettingException">The first such setting.</exception>
    public static void Validate(RecipeSettings s)
    {
        foreach (var setting in SettingSchema.All) setting.Accept(new FiniteCheck(s));
        if (s.Epochs < 1) throw new SettingException(Epochs.Key, k => $"{k} must be at least 1 (got {s.Epochs}).");
        if (s.BatchSize < 2) throw new SettingException(BatchSize.Key, k => $"{k} must be at least 2 for batch-norm (got {s.BatchSize}).");
        if (!(s.ValidationFraction > 0 && s.ValidationFraction < 1)) throw new SettingException(ValidationFraction.Key, k => $"{k} must be in (0, 1) (got {s.ValidationFraction}).");
        if (s.InputSize is < 0) throw new SettingException(InputSize.Key, k => $"{k} must be positive, or 0 for no resize (got {s.InputSize}).");
        if (s.LearningRate is <= 0) throw new SettingException(LearningRate.Key, k => $"{k} must be positive (got {s.LearningRate}).");
        // As evaluation does: a radius beyond the whole pixel range is a typo for one in 255ths (2 for 2/255).
        if (s.Attack.Epsilon > 1) throw new SettingException(Epsilon.Key, k => $"{k} must be in [0, 1] pixel units (got {s.Attack.Epsilon}; {s.Attack.Epsilon}/255 is {s.Attack.Epsilon / 255:G3}).");
        if (s.Attack.Epsilon < 0 || s.Attack.StepSize < 0 || s.Attack.Steps < 0)
        {
            throw new SettingException([Epsilon.Key, AttackStep.Key, AttackSteps.Key], k => $"Attack settings ({k[0]}, {k[1]}, {k[2]}) must not be negative.");
        }
    }

    /// <summary>Refuses NaN and infinite numbers in any setting: no setting means anything with them, and settings JSON cannot hold them.</summary>
    private sealed class FiniteCheck(RecipeSettings s) : ISettingVisitor<bool>
    {
        public bool Visit<T>(Setting<T> setting)
        {
            object? value = setting.Get(s);
            if (value is float f && !float.IsFinite(f) || value is double d && !double.IsFinite(d))
                throw new SettingException(setting.Key, k => $"{k} must be a finite number (got {value}).");
            return true;
        }
    }
}
