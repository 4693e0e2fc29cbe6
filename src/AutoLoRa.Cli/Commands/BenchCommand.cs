using System.CommandLine;
using AutoLoRa.Cli.Bench;

namespace AutoLoRa.Cli.Commands;

/// <summary><c>autolora bench …</c>: performance measurements (never part of the test suite).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measures performance (GEMM throughput; training steps come with the trainer).");
        command.Subcommands.Add(CreateGemm());
        return command;
    }

    private static Command CreateGemm()
    {
        var m = new Option<int>("--m") { Description = "Rows of A and C.", DefaultValueFactory = _ => 1024 };
        var n = new Option<int>("--n") { Description = "Columns of B and C.", DefaultValueFactory = _ => 1024 };
        var k = new Option<int>("--k") { Description = "Inner dimension.", DefaultValueFactory = _ => 1024 };
        var reps = new Option<int>("--reps") { Description = "Timed repetitions (the median is reported).", DefaultValueFactory = _ => 11 };
        var json = new Option<bool>("--json") { Description = "Print one JSON line instead of a table." };
        var openBlas = new Option<bool>("--compare-openblas") { Description = "Also time OpenBLAS's cblas_sgemm (libopenblas.so.0) in the same run." };
        var command = new Command("gemm", "Single-precision GEMM throughput of the CPU backend, optionally against OpenBLAS.")
        {
            m, n, k, reps, json, openBlas,
        };
        command.SetAction(r =>
        {
            foreach (var option in new[] { m, n, k, reps })
            {
                if (r.GetValue(option) < 1) return CliError.Report($"{option.Name} must be at least 1 (got {r.GetValue(option)}).");
            }
            return GemmBench.Run(r.GetValue(m), r.GetValue(n), r.GetValue(k), r.GetValue(reps), r.GetValue(json), r.GetValue(openBlas), Console.Out);
        });
        return command;
    }
}
