using System.CommandLine;
using Spectre.Console;
using AutoLoRa.Cli.Commands;
using AutoLoRa.Cli.Demo;

namespace AutoLoRa.Cli;

/// <summary>The <c>autolora</c> command line: one sub-command per job.</summary>
public static class Program
{
    /// <summary>Runs the command line; returns the exit code (0 ok, 1 internal error, 2 bad input).</summary>
    public static int Main(string[] args)
    {
        // Logs and CI capture output through a pipe, where Spectre would otherwise wrap at 80 columns.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        var root = new RootCommand("autolora: robust fine-tuning of adversarially pre-trained CNNs with AutoLoRa and its baselines")
        {
            DemoCommand.Create(),
            SelftestCommand.Create(),
            TrainCommands.CreatePretrain(),
            TrainCommands.CreateFinetune(),
            EvalCommand.Create(),
            InspectCommand.Create(),
            ConvertCommand.Create(),
            PredictCommand.Create(),
            PlotCommand.Create(),
            ReproduceCommand.Create(),
            AnalyzeCommand.Create(),
            BenchCommand.Create(),
        };
        CommandLineChecks.AddTo(root);
        var parsed = root.Parse(args);
        // No arguments at all asks what there is: the parser's help answers that.
        if (parsed.Errors.Count > 0 && args.Length > 0) return CommandLineChecks.Report(parsed);
        return DataParallelCommands.Refuse(parsed) ?? parsed.Invoke();
    }
}
