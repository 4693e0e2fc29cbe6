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
        "natural" => Method.Natural,
        _ => throw new ArgumentException($"{source} '{name}' is unknown; choose autolora, vanilla or natural."),
    };
}
