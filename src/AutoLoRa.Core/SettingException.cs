namespace AutoLoRa.Core;

/// <summary>
/// Settings that cannot work, in one sentence that names them by their setting key ("rank must be at
/// least 1 …", "check Architecture"). The libraries know no command line: a front end that spells
/// settings differently (the CLI's <c>--rank</c>, <c>--arch</c>) renders the sentence again with
/// <see cref="Describe"/>. Training settings and model-import settings both use it, so it lives here.
/// </summary>
public sealed class SettingException : ArgumentException
{
    private readonly Func<Func<string, string>, string> _sentence;

    /// <summary>An error about the settings keyed <paramref name="settings"/>; <paramref name="sentence"/> gets the names to write for them, in that order.</summary>
    public SettingException(IReadOnlyList<string> settings, Func<IReadOnlyList<string>, string> sentence)
        : this(settings, name => sentence([.. settings.Select(name)]))
    {
    }

    /// <summary>An error about setting <paramref name="setting"/>; <paramref name="sentence"/> gets the name to write for it.</summary>
    public SettingException(string setting, Func<string, string> sentence)
        : this([setting], name => sentence(name(setting)))
    {
    }

    private SettingException(IReadOnlyList<string> settings, Func<Func<string, string>, string> sentence)
        : base(sentence(key => key))
    {
        Settings = settings;
        _sentence = sentence;
    }

    /// <summary>The keys of the settings at fault.</summary>
    public IReadOnlyList<string> Settings { get; }

    /// <summary>The sentence with each setting written as <paramref name="name"/> gives it (e.g. key → command-line flag).</summary>
    public string Describe(Func<string, string> name) => _sentence(name);
}
