using System.Diagnostics;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>bench step --ranks N</c> started without mpirun: runs the same command line again as N
/// ranks of Open MPI's <c>mpirun</c> on this machine, with <c>--ranks</c> taken out, and passes
/// on its exit code. Each rank is then one replica of a data-parallel step and rank 0 prints the
/// report, exactly as when the user types the mpirun line. The mpirun options added are the ones
/// this machine needs: <c>--allow-run-as-root</c> for root (Open MPI refuses root otherwise) and
/// <c>--oversubscribe</c> when there are more ranks than cores (Open MPI refuses that otherwise).
/// </summary>
internal static class MpirunRelaunch
{
    public const string RanksOption = "--ranks";

    /// <summary>The process exit code of <c>mpirun -np <paramref name="ranks"/></c> running this command line without <c>--ranks</c>.</summary>
    public static int Run(int ranks)
    {
        string mpirun = FindOnPath("mpirun") ?? throw new ArgumentException(
            $"{RanksOption} {ranks} starts the step under Open MPI's mpirun, which is not on PATH: install it (Debian: apt-get install openmpi-bin) or leave out {RanksOption}.");
        var info = new ProcessStartInfo(mpirun) { UseShellExecute = false };
        if (Environment.IsPrivilegedProcess) info.ArgumentList.Add("--allow-run-as-root");
        if (ranks > Environment.ProcessorCount) info.ArgumentList.Add("--oversubscribe");
        info.ArgumentList.Add("-np");
        info.ArgumentList.Add($"{ranks}");
        foreach (string part in ThisCommandLine()) info.ArgumentList.Add(part);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{mpirun} did not start.");
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>
    /// This process's program and arguments without <c>--ranks N</c> (or <c>--ranks=N</c>): the
    /// apphost alone, or <c>dotnet autolora.dll</c> when started through the dotnet host.
    /// </summary>
    private static IEnumerable<string> ThisCommandLine()
    {
        string[] args = Environment.GetCommandLineArgs();
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown, so it cannot be started under mpirun.");
        yield return host;
        // Through `dotnet autolora.dll` the first argument is the assembly the host must load again.
        if (!Path.GetFileNameWithoutExtension(host).Equals(Path.GetFileNameWithoutExtension(args[0]), StringComparison.Ordinal)) yield return args[0];
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == RanksOption) i++;
            else if (!args[i].StartsWith(RanksOption + "=", StringComparison.Ordinal)) yield return args[i];
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
