using AutoLoRa.Core;

namespace AutoLoRa.ModelFiles;

/// <summary>
/// A checkpoint or model file does not fit what was asked of it (missing tensors, wrong shapes, bad
/// metadata). <see cref="Hint"/>, when set, says which <see cref="ImportSettings"/> to give or check,
/// by property name; a front end renders it in its own spelling with <see cref="Describe"/>.
/// </summary>
public sealed class CheckpointException(string message, SettingException? hint = null, Exception? inner = null)
    : Exception(hint is null ? message : $"{message}\n  ({hint.Message})", inner)
{
    /// <summary>The import settings to give or check, or null.</summary>
    public SettingException? Hint { get; } = hint;

    /// <summary>The message with the hint's settings written as <paramref name="name"/> gives them (e.g. property → command-line flag).</summary>
    public string Describe(Func<string, string> name) => Hint is null ? Message : $"{message}\n  ({Hint.Describe(name)})";
}
