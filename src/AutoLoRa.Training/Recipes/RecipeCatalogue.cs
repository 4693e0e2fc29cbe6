using System.Diagnostics.CodeAnalysis;

// CA2255 warns that a library's module initialiser runs code as the library loads: that is the
// point here, and all each recipe's initialiser does is join this catalogue.
[assembly: SuppressMessage("Usage", "CA2255", Scope = "namespaceanddescendants", Target = "~N:AutoLoRa.Training.Recipes",
    Justification = "Each recipe joins the catalogue as the library loads; the catalogue orders by Position.")]

namespace AutoLoRa.Training.Recipes;

/// <summary>
/// Every training method. A recipe joins the catalogue itself, from a module initialiser in its own
/// file (<see cref="Join"/>), so a new method touches no shared list; the order help texts and
/// settings JSON need is <see cref="MethodRecipe.Position"/>, not the undefined order in which
/// module initialisers run. (Not discovered by reflection: the CLI is published trimmed.)
/// </summary>
public static class RecipeCatalogue
{
    private static readonly List<MethodRecipe> Joined = [];

    /// <summary>The methods, fine-tuning ones first, then by position and name.</summary>
    public static IReadOnlyList<MethodRecipe> All => Listing.All;

    /// <summary>The methods <c>finetune</c> and plans run.</summary>
    public static IReadOnlyList<MethodRecipe> FineTuning => Listing.FineTuning;

    /// <summary>The fine-tuning method names, for help texts ("autolora | vanilla | …").</summary>
    public static string Choices => Listing.Choices;

    /// <summary>Adds <paramref name="recipe"/>; called once per recipe while the library loads, before anything reads the catalogue.</summary>
    internal static void Join(MethodRecipe recipe) => Joined.Add(recipe);

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

    /// <summary>
    /// The ordered lists, made on first read: a nested class's static fields are initialised when it is
    /// first touched, which is after every module initialiser has joined (joining touches only the outer class).
    /// </summary>
    private static class Listing
    {
        public static readonly IReadOnlyList<MethodRecipe> All =
            [.. Joined.OrderBy(m => !m.FineTunes).ThenBy(m => m.Position).ThenBy(m => m.Name, StringComparer.Ordinal)];

        public static readonly IReadOnlyList<MethodRecipe> FineTuning = [.. All.Where(m => m.FineTunes)];

        public static readonly string Choices = string.Join(" | ", FineTuning.Select(m => m.Name));
    }
}
