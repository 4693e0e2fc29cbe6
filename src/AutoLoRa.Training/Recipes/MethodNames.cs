using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>
/// The names users give the fine-tuning methods, on the command line (<c>finetune --method</c>) and
/// in reproduction plans: one parser, so a method added here is available everywhere.
/// </summary>
public static class MethodNames
{
    /// <summary>The method called <paramref name="name"/>; <paramref name="source"/> names where it was written, for the error.</summary>
    /// <exception cref="ArgumentException">The name is not a method.</exception>
    public static Method Parse(string name, string source = "--method") => name switch
    {
        "autolora" => Method.AutoLora,
        "vanilla" => Method.Vanilla,
        "twins" => Method.Twins,
        "natural" => Method.Natural,
        _ => throw new ArgumentException($"{source} '{name}' is unknown; choose autolora, vanilla, twins or natural."),
    };

    /// <summary>The method names, for help texts.</summary>
    public const string Choices = "autolora | vanilla | twins | natural";

    /// <summary>TWINS's KL normalisation by name: parity (its authors' code) or mean.</summary>
    /// <exception cref="ArgumentException">The name is neither.</exception>
    public static TwinsKlNormalization ParseTwinsKl(string name, string source = "--twins-kl") => name switch
    {
        "parity" => TwinsKlNormalization.NominalBatch,
        "mean" => TwinsKlNormalization.PerWingMean,
        _ => throw new ArgumentException($"{source} '{name}' is unknown; choose parity or mean."),
    };
}
