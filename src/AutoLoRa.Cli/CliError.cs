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
}
