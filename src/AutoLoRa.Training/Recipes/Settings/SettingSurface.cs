namespace AutoLoRa.Training.Recipes.Settings;

/// <summary>Where users write a setting.</summary>
[Flags]
public enum SettingSurface
{
    /// <summary>As a flag of the training verbs (<c>--key</c>).</summary>
    CommandLine = 1,

    /// <summary>As a key of a reproduction plan's "settings" objects.</summary>
    Plan = 2,

    /// <summary>Both.</summary>
    Both = CommandLine | Plan,
}
