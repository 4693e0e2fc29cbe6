using System.CommandLine;
using System.Text.Json;
using AutoLoRa.Cli.Presentation;
using AutoLoRa.Training;

namespace AutoLoRa.Cli.Commands;

/// <summary><c>autolora plot RUN_DIR</c>: a PNG of a run's per-epoch accuracies, λ values and learning rate.</summary>
internal static class PlotCommand
{
    public static Command Create()
    {
        var runDir = new Argument<string>("RUN_DIR") { Description = "A run directory (holding log.jsonl)." };
        var output = new Option<string?>("--out") { Description = "PNG path (default RUN_DIR/plot.png)." };
        var command = new Command("plot", "Plots validation SA and RA, λ1, λ2 and the learning rate per epoch of a run.") { runDir, output };
        command.SetAction(r => CliError.Guard(() =>
        {
            string dir = r.GetValue(runDir)!;
            var history = ReadLog(Path.Combine(dir, "log.jsonl"));
            string path = r.GetValue(output) ?? Path.Combine(dir, "plot.png");
            RunPlot.Save(history, Path.GetFileName(Path.GetFullPath(dir)), path);
            Console.WriteLine($"wrote {path} ({history.Count} epochs)");
            return 0;
        }));
        return command;
    }

    private static List<EpochRecord> ReadLog(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no run log here; pass the directory a pretrain/finetune run wrote.");
        var records = new List<EpochRecord>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                records.Add(JsonSerializer.Deserialize(text, TrainingJsonContext.Default.EpochRecord) ?? throw new JsonException("null record"));
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"{path}, line {line}: not an epoch record ({e.Message}).");
            }
        }
        if (records.Count == 0) throw new ArgumentException($"{path} has no epochs yet.");
        return records;
    }
}
