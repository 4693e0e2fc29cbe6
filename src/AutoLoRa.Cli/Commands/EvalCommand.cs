using System.CommandLine;
using System.Text.Json;
using AutoLoRa.Cli.Options;
using AutoLoRa.Cli.Presentation;
using AutoLoRa.Robust;
using AutoLoRa.Training.Checkpoints;
using Spectre.Console;

namespace AutoLoRa.Cli.Commands;

/// <summary><c>autolora eval MODEL</c>: clean and PGD-k accuracy on a test split (AutoAttack comes with issue 5).</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "A model file or run checkpoint written by autolora (.safetensors)." };
        var data = CommonOptions.Data();
        var classes = CommonOptions.Classes();
        var attacks = new Option<string>("--attacks") { Description = "Comma-separated: clean, pgd20 (pgdK for K steps).", DefaultValueFactory = _ => "clean,pgd20" };
        var eps = CommonOptions.Epsilon(8f / 255f);
        var step = new Option<float>("--attack-step") { Description = "PGD step size.", DefaultValueFactory = _ => 2f / 255f };
        var n = CommonOptions.Limit("--n", "test images");
        var seed = CommonOptions.Seed();
        var batch = CommonOptions.BatchSize();
        var backendName = CommonOptions.Backend();
        var json = new Option<string?>("--json") { Description = "Also write the results to this JSON file." };
        var command = new Command("eval", "Evaluates a model's clean and PGD robust accuracy on a test split.") { model, data, classes, attacks, eps, step, n, seed, batch, backendName, json };
        command.SetAction(r => CliError.Guard(() =>
        {
            var wanted = r.GetValue(attacks)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            int? pgdSteps = null;
            foreach (var a in wanted)
            {
                if (a == "clean") continue;
                if (a.StartsWith("pgd", StringComparison.Ordinal) && int.TryParse(a[3..], out int k) && k > 0) pgdSteps = k;
                else throw new ArgumentException($"--attacks: unknown attack '{a}'; known: clean, pgdK (e.g. pgd20). AutoAttack is not in this build yet.");
            }
            using var backend = BackendChoice.Create(r.GetValue(backendName)!, Console.Out);
            using var classifier = ModelLoader.Load(r.GetValue(model)!, backend);
            var test = DataSelection.Test(r.GetValue(data)!, r.GetValue(classes), r.GetValue(n));
            if (test.ClassCount != classifier.Spec.Classes)
            {
                throw new ArgumentException($"The model has {classifier.Spec.Classes} classes but the test data has {test.ClassCount}; pass --classes to select the model's classes.");
            }
            var attack = PgdConfig.Evaluation(r.GetValue(eps), pgdSteps ?? 20, r.GetValue(step));
            var result = EvaluationView.CleanAndPgd(backend, classifier, test, attack, r.GetValue(seed), Path.GetFileName(r.GetValue(model)!), r.GetValue(batch));
            var table = new Table().AddColumns("metric", "accuracy", "seconds");
            table.AddRow("clean", $"{result.Clean:P2}", $"{result.CleanSeconds:F1}");
            if (pgdSteps is not null) table.AddRow($"PGD-{pgdSteps} (eps {attack.Epsilon:G4}, step {attack.StepSize:G4})", $"{result.Robust:P2}", $"{result.RobustSeconds:F1}");
            AnsiConsole.Write(table);
            Console.WriteLine($"{test.Count} test images of {test.Name}");
            if (r.GetValue(json) is { } path)
            {
                File.WriteAllText(path, JsonSerializer.Serialize(new
                {
                    model = r.GetValue(model),
                    data = test.Name,
                    n = test.Count,
                    clean = result.Clean,
                    pgd = pgdSteps is null ? (float?)null : result.Robust,
                    pgd_steps = pgdSteps,
                    eps = attack.Epsilon,
                    step = attack.StepSize,
                }));
            }
            return 0;
        }));
        return command;
    }
}
