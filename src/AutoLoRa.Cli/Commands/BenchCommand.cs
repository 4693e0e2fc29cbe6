using System.CommandLine;

namespace AutoLoRa.Cli.Commands;

/// <summary><c>autolora bench …</c>: performance measurements (never part of the test suite).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measures performance: GEMM throughput (more workloads come with the trainer).");
        return command;
    }
}
