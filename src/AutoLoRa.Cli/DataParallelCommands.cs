using System.CommandLine;
using AutoLoRa.Distributed;

namespace AutoLoRa.Cli;

/// <summary>
/// Which commands run as replicas under mpirun. The others would each do the whole job on every
/// rank, writing the same files side by side, so they are refused there with the way out.
/// </summary>
internal static class DataParallelCommands
{
    /// <summary>The leaf commands that split their work over ranks: the training verbs, evaluation, reproduction plans and the step and all-reduce benchmarks.</summary>
    private static readonly HashSet<string> Replicated = ["pretrain", "finetune", "eval", "reproduce", "step", "allreduce"];

    /// <summary>Null when <paramref name="parsed"/> may run here; otherwise the exit code of the error reported.</summary>
    public static int? Refuse(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        if (command is RootCommand || Replicated.Contains(command.Name)) return null;
        // An MPICH-family launch is an error of its own (MpiLaunch names the fix), reported like any other.
        int exit = CliError.Guard(() => MpiLaunch.IsMultiRank(Environment.GetEnvironmentVariable)
            ? CliError.Report($"'{command.Name}' does not run data-parallel (only pretrain, finetune, eval, reproduce, bench step and bench allreduce do): run it without mpirun.")
            : 0);
        return exit == 0 ? null : exit;
    }
}
