using System.Diagnostics;

namespace AutoLoRa.Distributed.Tests;

/// <summary>Runs a program (the probe, or autolora itself) on 2 local ranks through Open MPI's mpirun, as users launch a data-parallel run.</summary>
internal static class MpiRun
{
    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed);

    /// <summary>Why the MPI tests cannot run here, or null when mpirun is on the PATH.</summary>
    public static string? MissingReason { get; } = Find("mpirun") is null
        ? "mpirun is not on the PATH: install Open MPI (./install-deps.sh installs openmpi-bin and libopenmpi-dev)."
        : null;

    /// <summary>mpirun -np 2 dotnet AutoLoRa.Distributed.Probe.dll ARGS (see <see cref="Dll"/>).</summary>
    public static Result Probe(TimeSpan limit, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Dll(limit, environment, null, "AutoLoRa.Distributed.Probe.dll", args);

    /// <summary>
    /// mpirun -np 2 dotnet DLL ARGS in <paramref name="workingDirectory"/>; kills the job after
    /// <paramref name="limit"/> (a hang is a failure, reported as such, never a hung test run).
    /// </summary>
    public static Result Dll(TimeSpan limit, IReadOnlyDictionary<string, string>? environment, string? workingDirectory, string dll, params string[] args) =>
        Ranks(2, limit, environment, workingDirectory, dll, args);

    /// <summary>
    /// <see cref="Dll"/> on <paramref name="ranks"/> ranks. With 1, the program runs as one process
    /// (no MPI is loaded), bound to a core as each rank of a 2-rank job is: the same thread count.
    /// </summary>
    public static Result Ranks(int ranks, TimeSpan limit, IReadOnlyDictionary<string, string>? environment, string? workingDirectory, string dll, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        using var job = Start(environment, workingDirectory, dll, args, ranks);
        return job.Finish(limit, clock);
    }

    /// <summary>dotnet DLL ARGS as one plain process, for a command that starts mpirun itself (bench step --ranks); killed after <paramref name="limit"/>.</summary>
    public static Result Plain(TimeSpan limit, string dll, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var job = new Job(Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet"), $"dotnet {dll} {string.Join(' ', args)}");
        return job.Finish(limit, clock);
    }

    /// <summary>Starts mpirun -np 2 dotnet DLL ARGS and returns at once, for a test that acts on the job while it runs.</summary>
    public static Job Start(IReadOnlyDictionary<string, string>? environment, string? workingDirectory, string dll, string[] args, int ranks = 2)
    {
        var info = new ProcessStartInfo(Find("mpirun")!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        // Root in CI containers; more ranks than cores on a 2-core runner.
        foreach (var a in new[] { "--allow-run-as-root", "--oversubscribe", "-np", $"{ranks}" }) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.ArgumentList.Add("-x");
            info.ArgumentList.Add($"{name}={value}");
        }
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start mpirun");
        return new Job(process, $"mpirun {dll} {string.Join(' ', args)}");
    }

    /// <summary>A running mpirun job; disposing it kills whatever is left of it.</summary>
    public sealed class Job(Process process, string description) : IDisposable
    {
        private readonly Task<string> _output = process.StandardOutput.ReadToEndAsync();
        private readonly Task<string> _error = process.StandardError.ReadToEndAsync();

        /// <summary>The process of rank <paramref name="rank"/>: a child of mpirun whose environment names that rank.</summary>
        public Process? Rank(int rank)
        {
            foreach (var stat in Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "stat")))
            {
                string text;
                string environ;
                try
                {
                    text = File.ReadAllText(stat);
                    environ = File.ReadAllText(Path.Combine(Path.GetDirectoryName(stat)!, "environ"));
                }
                catch (IOException) { continue; }
                catch (UnauthorizedAccessException) { continue; }
                // /proc/PID/stat: "PID (comm) state PPID …"; comm may hold spaces, so read after the last ')'.
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1]) == process.Id && environ.Split('\0').Contains($"OMPI_COMM_WORLD_RANK={rank}"))
                    return Process.GetProcessById(int.Parse(text[..text.IndexOf(' ')]));
            }
            return null;
        }

        /// <summary>Waits for the job; kills it after <paramref name="limit"/> (a hang is a failure, reported as such, never a hung test run).</summary>
        public Result Finish(TimeSpan limit, Stopwatch clock)
        {
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                Assert.Fail($"{description} did not finish within {limit.TotalSeconds} s:\n{_output.Result}{_error.Result}");
            }
            process.WaitForExit();
            return new Result(process.ExitCode, _output.Result + _error.Result, clock.Elapsed);
        }

        public void Dispose()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }

    public static void AssertOk(Result r) => Assert.True(r.ExitCode == 0, $"mpirun exit {r.ExitCode}\n{r.Output}");

    /// <summary>
    /// A probe whose rank 1 killed itself mid-loop: the job failed, within <paramref name="bound"/>
    /// (the survivor's loop alone would take 20 s), with rank 1 named, and the survivor did not finish its loop.
    /// </summary>
    public static void AssertRank1StoppedTheJob(Result r, TimeSpan bound)
    {
        Assert.NotEqual(0, r.ExitCode);
        Assert.True(r.Elapsed < bound, $"took {r.Elapsed}\n{r.Output}");
        Assert.Contains("rank 1", r.Output);
        Assert.DoesNotContain("outlived its dead peer", r.Output);
    }

    private static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);
}

/// <summary>A fact that needs mpirun; shown as skipped, with the reason, where Open MPI is not installed.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute() => Skip = MpiRun.MissingReason;
}

/// <summary>A test class's scratch directory, where its runs write; deleted after each test.</summary>
public abstract class ScratchDirectory(string prefix) : IDisposable
{
    protected string Dir { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
