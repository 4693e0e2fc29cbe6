using System.CommandLine;
using System.Text.Json;
using AutoLoRa.Formats;
using AutoLoRa.Training;
using AutoLoRa.Training.Checkpoints;
using Spectre.Console;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Cli.Commands;

/// <summary><c>autolora inspect FILE</c>: what a safetensors model, checkpoint or any safetensors file holds.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A .safetensors file (model, run checkpoint, or any other)." };
        var all = new Option<bool>("--all") { Description = "List every tensor (default: the first 20)." };
        var command = new Command("inspect", "Shows the architecture, training state and tensors of a safetensors file.") { file, all };
        command.SetAction(r => CliError.Guard(() =>
        {
            string path = r.GetValue(file)!;
            var st = ModelFile.Read(path);
            long elements = st.Entries.Sum(e => e.ElementCount);
            Console.WriteLine($"{path}: {new FileInfo(path).Length:N0} bytes, {st.Entries.Count} tensors, {elements:N0} elements");
            if (st.Metadata.ContainsKey(ModelFile.SpecKey))
            {
                var spec = ModelFile.SpecOf(st, path);
                Console.WriteLine($"model: {spec.Architecture}, width {spec.BaseWidth}, {spec.InChannels} input channels, {spec.Classes} classes, {spec.Stem} stem, LoRA rank {spec.LoraRank}"
                    + (spec.InputSize > 0 ? $", inputs resized to {spec.InputSize}x{spec.InputSize} ({spec.InputResize.ToString().ToLowerInvariant()})" : "") + (spec.TwinNorms ? ", TWINS two-wing batch-norms" : ""));
                Console.WriteLine($"normalisation: mean [{string.Join(", ", spec.EffectiveMean)}], std [{string.Join(", ", spec.EffectiveStd)}]");
            }
            if (st.Metadata.TryGetValue(ModelFile.RunStateKey, out var json)) PrintRunState(json);
            foreach (var (key, value) in st.Metadata.Where(m => m.Key != ModelFile.SpecKey && m.Key != ModelFile.RunStateKey))
            {
                Console.WriteLine($"metadata {key}: {(value.Length > 200 ? value[..200] + "…" : value)}");
            }
            var table = new Table().AddColumns("tensor", "dtype", "shape");
            foreach (var e in r.GetValue(all) ? st.Entries : st.Entries.Take(20))
            {
                table.AddRow(Markup.Escape(e.Name), e.DType.HeaderName(), Markup.Escape("[" + string.Join(", ", e.Shape) + "]"));
            }
            AnsiConsole.Write(table);
            if (!r.GetValue(all) && st.Entries.Count > 20) Console.WriteLine($"… and {st.Entries.Count - 20} more (--all lists them)");
            return 0;
        }));
        return command;
    }

    private static void PrintRunState(string json)
    {
        var state = JsonSerializer.Deserialize(json, TrainingJsonContext.Default.RunState);
        if (state is null) return;
        Console.WriteLine($"run checkpoint: method {state.Method}, {state.CompletedEpochs} epochs done, {state.ScheduleKind} learning-rate schedule, best weights kept: {state.HasBest}");
        foreach (var h in state.History) Console.WriteLine("  " + Presentation.TrainingView.EpochLine(state.Method, h));
    }
}
