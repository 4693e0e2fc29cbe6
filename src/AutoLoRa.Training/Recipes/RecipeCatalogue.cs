namespace AutoLoRa.Training.Recipes;

/// <summary>
/// Every training method, in the order help texts list them: the one list a new method joins
/// (listed here rather than discovered, so that the trimmed CLI needs no reflection and the order
/// is fixed).
/// </summary>
public static class RecipeCatalogue
{
    /// <summary>The methods, fine-tuning ones first.</summary>
    public static IReadOnlyList<MethodRecipe> All { get; } = [new AutoLoraRecipe(), new VanillaRecipe(), new TwinsRecipe(), new NaturalRecipe(), new PgdAtRecipe()];

    /// <summary>The methods <c>finetune</c> and plans run.</summary>
    public static IReadOnlyList<MethodRecipe> FineTuning { get; } = [.. All.Where(m => m.FineTunes)];

    /// <summary>The fine-tuning method names, for help texts ("autolora | vanilla | …").</summary>
    public static string Choices { get; } = string.Join(" | ", FineTuning.Select(m => m.Name));

    /// <summary>The method called <paramref name="name"/> (any, fine-tuning or not).</summary>
    /// <exception cref="KeyNotFoundException">No such method.</exception>
    public static MethodRecipe Get(string name) => All.FirstOrDefault(m => m.Name == name) ?? throw new KeyNotFoundException($"No method '{name}'.");

    /// <summary>The fine-tuning method called <paramref name="name"/>; <paramref name="source"/> names where it was written, for the error.</summary>
    /// <exception cref="ArgumentException">The name is not a fine-tuning method.</exception>
    public static MethodRecipe FineTuningMethod(string name, string source) => FineTuning.FirstOrDefault(m => m.Name == name)
        ?? throw new ArgumentException($"{source} '{name}' is unknown; choose {Sentence(FineTuning.Select(m => m.Name))}.");

    /// <summary>Names as a sentence lists them: "a, b, c or d".</summary>
    public static string Sentence(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count < 2 ? string.Concat(list) : $"{string.Join(", ", list.Take(list.Count - 1))} or {list[^1]}";
    }
}
