using System.CommandLine;
using AutoLoRa.Core;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Training.Recipes.Settings;

namespace AutoLoRa.Cli.Options;

/// <summary>
/// A training verb's options for the settings of its methods, made from <see cref="SettingSchema"/>:
/// flag <c>--key</c>, the setting's help and default. A setting is applied only when its flag is
/// given, so everything else keeps the method's default.
/// </summary>
internal sealed class SettingOptions
{
    private readonly IReadOnlyList<Bound> _options;

    /// <param name="methods">The methods the verb runs: their settings become options.</param>
    /// <param name="defaults">Settings whose values help texts show as defaults.</param>
    public SettingOptions(IEnumerable<MethodRecipe> methods, RecipeSettings defaults)
    {
        var binder = new Binder(defaults);
        _options = [.. SettingSchema.Of(methods).Where(s => s.Surface.HasFlag(SettingSurface.CommandLine)).Select(s => s.Accept(binder))];
    }

    /// <summary>How the command line writes setting <paramref name="key"/>: the flag <c>--key</c> (for the library's <see cref="SettingException"/>).</summary>
    public static string Flag(string key) => "--" + key;

    public void AddTo(Command command)
    {
        foreach (var bound in _options) command.Options.Add(bound.Option);
    }

    /// <summary>Whether the user gave <paramref name="setting"/>'s flag.</summary>
    public bool Given(ParseResult r, SettingDescriptor setting) => _options.Any(b => b.Setting == setting && Given(r, b));

    /// <summary>
    /// <paramref name="s"/> with every setting whose flag was given, in schema order (so --eps, which
    /// makes the step ε/4, comes before --attack-step), checked: first by the recipe (whose sentences
    /// say most, e.g. why AutoLoRa has no --auto-scalars), then for flags the method does not use.
    /// </summary>
    /// <exception cref="SettingException">A setting that cannot work, a flag the method does not use, or text that cannot be read.</exception>
    public RecipeSettings Apply(ParseResult r, RecipeSettings s)
    {
        var given = _options.Where(b => Given(r, b)).ToList();
        s = given.Aggregate(s, (current, bound) => bound.Apply(r, current));
        Recipe.Validate(s);
        if (given.FirstOrDefault(b => !s.Method.Uses(b.Setting)) is { } unused)
        {
            string methods = RecipeCatalogue.Sentence(SettingSchema.MethodsUsing(unused.Setting).Select(m => m.Name));
            throw new SettingException(unused.Setting.Key, k => $"{k} applies to --method {methods} only.");
        }
        return s;
    }

    private static bool Given(ParseResult r, Bound bound) => r.GetResult(bound.Option) is { Implicit: false };

    private sealed record Bound(SettingDescriptor Setting, Option Option, Func<ParseResult, RecipeSettings, RecipeSettings> Apply);

    /// <summary>Makes a typed option per setting (a visitor, because the trimmed CLI cannot reflect over the value type).</summary>
    private sealed class Binder(RecipeSettings defaults) : ISettingVisitor<Bound>
    {
        public Bound Visit<T>(Setting<T> setting)
        {
            T shown = setting.Get(defaults);
            // A flag's false and a null "use the method's default" say nothing in help.
            bool show = setting.ShowsDefault && shown is not null && shown is not false;
            if (setting.Format.ParseText is { } parse)
            {
                var text = new Option<string>(Flag(setting.Key)) { Description = setting.Help };
                if (show) text.DefaultValueFactory = _ => setting.Format.FormatText!(shown);
                return new Bound(setting, text, (r, s) => setting.Set(s, parse(setting.Key, r.GetValue(text)!)));
            }
            var typed = new Option<T>(Flag(setting.Key)) { Description = setting.Help };
            if (show) typed.DefaultValueFactory = _ => shown;
            return new Bound(setting, typed, (r, s) => setting.Set(s, r.GetValue(typed)!));
        }
    }
}
