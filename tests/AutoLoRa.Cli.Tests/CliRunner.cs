using System.Diagnostics;

namespace AutoLoRa.Cli.Tests;

/// <summary>Runs the built <c>autolora</c> as a child process and captures what it prints.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string All => Output + Error;
    }

    /// <summary>Fails with the command's exit code and everything it printed unless it succeeded.</summary>
    public static void AssertOk(Result r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.All}");

    public static Result Run(string workingDirectory, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "autolora.dll");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["AUTOLORA_DEBUG"] = "0";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"autolora {string.Join(' ', args)} did not finish in 4 minutes.");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
