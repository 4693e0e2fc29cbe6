using AutoLoRa.Cli.Commands;
using AutoLoRa.Core;
using AutoLoRa.Cli.Options;
using AutoLoRa.Core.Backends;
using AutoLoRa.Data;
using AutoLoRa.Distributed;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.ModelFiles;
using AutoLoRa.Robust;
using AutoLoRa.Training.Recipes.Settings;

namespace AutoLoRa.Cli;

/// <summary>How every command reports a user error: one sentence on stderr and exit code 2, never a stack trace.</summary>
internal static class CliError
{
    public const int ExitCode = 2;

    public static int Report(string message)
    {
        Console.Error.WriteLine($"autolora: {message}");
        return ExitCode;
    }

    /// <summary>
    /// Runs a command body, turning the errors users can cause (bad files, bad settings, missing
    /// data) into one sentence. Anything else is a bug: its type and message are shown, and the
    /// stack trace too when AUTOLORA_DEBUG=1.
    /// </summary>
    /// <param name="body">The command.</param>
    /// <param name="importFlag">How this command writes an import setting a checkpoint error names
    /// (default: as <c>autolora convert</c>'s flag, to be used there first).</param>
    public static int Guard(Func<int> body, Func<string, string>? importFlag = null)
    {
        try
        {
            return body();
        }
        catch (SettingException e)
        {
            // The libraries name settings by key (training settings) or property (import settings); users typed them as flags.
            return Report(e.Describe(key => ImportFlags.Names(key) ? (importFlag ?? ImportFlags.ViaConvert)(key) : SettingOptions.Flag(key)));
        }
        catch (CheckpointException e)
        {
            return Report(e.Describe(importFlag ?? ImportFlags.ViaConvert));
        }
        catch (AutoAttackStateException e)
        {
            return Report($"{e.Message[..^1]}; run again with {EvalCommand.DiscardStateFlag} to start that evaluation over, or delete the file.");
        }
        catch (ArgumentException e)
        {
            // The sentence without .NET's " (Parameter 'dims')" tail, which names a variable of ours, not anything the user wrote.
            return Report(e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message);
        }
        catch (Exception e) when (e is DataFormatException or BackendException or DistributedException or IOException or UnauthorizedAccessException)
        {
            return Report(e.Message);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("autolora: cancelled; the last completed epoch is in the run directory's checkpoint (run the same command again to resume).");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"autolora: internal error: {e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("AUTOLORA_DEBUG") == "1") Console.Error.WriteLine(e);
            else Console.Error.WriteLine("  (set AUTOLORA_DEBUG=1 to see the stack trace, and please report it)");
            return 1;
        }
    }
}
