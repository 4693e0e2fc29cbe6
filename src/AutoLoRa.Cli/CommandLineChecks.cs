using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace AutoLoRa.Cli;

/// <summary>
/// What the parser itself finds wrong with a command line, reported like every other user error:
/// one sentence and exit code 2, not the whole help text.
/// </summary>
internal static class CommandLineChecks
{
    /// <summary>
    /// Adds the checks the parser lacks to every option of <paramref name="command"/> and its
    /// sub-commands: a number option must be finite, because the parser reads "NaN" and "Infinity"
    /// as numbers and no setting means anything with them.
    /// </summary>
    public static void AddTo(Command command)
    {
        foreach (var option in command.Options)
        {
            if (IsReal(option.ValueType)) option.Validators.Add(RequireFinite);
        }
        foreach (var sub in command.Subcommands) AddTo(sub);
    }

    /// <summary>
    /// The parser's first error as one sentence (the count of others, if any), with where to look for
    /// the right form. A value of the wrong type comes first: it is what the user typed wrong, while
    /// "option required" errors often follow from it.
    /// </summary>
    public static int Report(ParseResult parsed)
    {
        var errors = parsed.Errors.OrderBy(e => WrongType(e) is null).ToList();
        string more = errors.Count > 1 ? $" ({errors.Count - 1} more error{(errors.Count > 2 ? "s" : "")} after this one)" : "";
        string command = parsed.CommandResult.Command is RootCommand ? "autolora" : "autolora " + string.Join(' ', Path(parsed.CommandResult));
        return CliError.Report($"{WrongType(errors[0]) ?? errors[0].Message.TrimEnd('.')}{more}; '{command} --help' lists the options.");
    }

    /// <summary>
    /// "--epochs expects a whole number (got 'ten')" for a value the option's type cannot read; null
    /// for other errors. The parser's own sentence names a .NET type ("System.Nullable`1[System.Int32]").
    /// </summary>
    private static string? WrongType(ParseError error)
    {
        if (error.SymbolResult is not OptionResult { Tokens: [.., var token] } result) return null;
        var type = Nullable.GetUnderlyingType(result.Option.ValueType) ?? result.Option.ValueType;
        string text = token.Value;
        var invariant = CultureInfo.InvariantCulture;
        string? expected = type switch
        {
            _ when type == typeof(int) => int.TryParse(text, invariant, out _) ? null : $"a whole number up to {int.MaxValue}",
            _ when type == typeof(long) => long.TryParse(text, invariant, out _) ? null : "a whole number",
            _ when IsReal(type) => double.TryParse(text, NumberStyles.Float, invariant, out _) ? null : "a number",
            _ when type == typeof(bool) => bool.TryParse(text, out _) ? null : "true or false",
            _ when type.IsEnum => Enum.TryParse(type, text, ignoreCase: true, out _) ? null
                : "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant())),
            _ => null,
        };
        return expected is null ? null : $"{result.Option.Name} expects {expected} (got '{text}')";
    }

    private static IEnumerable<string> Path(CommandResult result) =>
        result.Parent is CommandResult parent && parent.Command is not RootCommand ? [.. Path(parent), result.Command.Name] : [result.Command.Name];

    private static bool IsReal(Type type) => (Nullable.GetUnderlyingType(type) ?? type) is var t && (t == typeof(float) || t == typeof(double));

    private static void RequireFinite(OptionResult result)
    {
        foreach (var token in result.Tokens)
        {
            if (double.TryParse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && !double.IsFinite(value))
                result.AddError($"{result.Option.Name} must be a finite number (got '{token.Value}')");
        }
    }
}
