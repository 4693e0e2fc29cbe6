using System.Diagnostics;
using System.Text;

namespace AutoLoRa.Packaging.Tests;

/// <summary>
/// Runs `dotnet` (or a program it installed) as a child process with the environment of a user's
/// shell: the MSBuild variables the test host inherited from `dotnet test` are removed, so the child
/// resolves its own SDK and builds as it would from a terminal.
/// </summary>
internal static class Dotnet
{
    public sealed record Result(int ExitCode, string Output)
    {
        public Result AssertOk(string what)
        {
            Assert.True(ExitCode == 0, $"{what} failed with exit code {ExitCode}:\n{Output}");
            return this;
        }
    }

    public static Result Run(string program, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var output = new StringBuilder();
        using var process = Start(program, args, workingDirectory, environment, output);
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds:F0} s:\n{output}");
        }
        process.WaitForExit(); // the output readers finish
        return new Result(process.ExitCode, Text(output));
    }

    /// <summary>
    /// Runs until a line starts with <paramref name="linePrefix"/>, then stops the process: for a
    /// program whose start-up is the check and whose full run would take minutes. Null: it ended
    /// (or timed out) first, with everything it printed.
    /// </summary>
    public static string? RunUntil(string program, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        string linePrefix, TimeSpan timeout, out string printed)
    {
        var output = new StringBuilder();
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = Start(program, args, workingDirectory, environment, output, line =>
        {
            if (line.StartsWith(linePrefix, StringComparison.Ordinal)) seen.TrySetResult(line);
        });
        var ended = process.WaitForExitAsync();
        Task.WaitAny([seen.Task, ended], timeout);
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        printed = Text(output);
        return seen.Task.IsCompletedSuccessfully ? seen.Task.Result : null;
    }

    private static Process Start(string program, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        StringBuilder output, Action<string>? onLine = null)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList()) info.Environment.Remove(name);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        var process = new Process { StartInfo = info };
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            onLine?.Invoke(e.Data);
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string Text(StringBuilder output)
    {
        lock (output) return output.ToString();
    }
}
