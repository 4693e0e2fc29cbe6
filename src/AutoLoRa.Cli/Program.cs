using System.CommandLine;
using AutoLoRa.Cli.Commands;
using AutoLoRa.Cli.Demo;

namespace AutoLoRa.Cli;

/// <summary>The <c>autolora</c> command line: one sub-command per job.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
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
            BenchCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
