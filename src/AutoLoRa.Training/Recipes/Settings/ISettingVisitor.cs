namespace AutoLoRa.Training.Recipes.Settings;

/// <summary>
/// Gets at a descriptor's value type without reflection (the CLI is published trimmed): a front end
/// that needs a typed object per setting, such as a command-line option, implements this once.
/// </summary>
public interface ISettingVisitor<out TResult>
{
    /// <summary>The front end's object for <paramref name="setting"/>.</summary>
    TResult Visit<T>(Setting<T> setting);
}
