using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoLoRa.Cli.Options;
using AutoLoRa.Cli.Presentation;
using AutoLoRa.Data;
using AutoLoRa.Distributed;
using AutoLoRa.Robust;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training;
using AutoLoRa.Training.Evaluation;
using Spectre.Console;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Cli.Commands;

/// <summary>
/// <c>autolora eval MODEL</c>: clean accuracy, PGD-k and AutoAttack (standard or a custom list) on
/// a test split, with a table, the per-attack breakdown, reliability flags and a JSON report.
/// Under mpirun every rank evaluates its share of each pass's batches (<see cref="AutoAttackRunner"/>);
/// rank 0 alone prints and writes the report and the saved progress.
/// </summary>
internal static class EvalCommand
{
    private static readonly string[] AutoAttackNames = ["apgd-ce", "apgd-dlr", "apgd-t", "fab-t", "square"];

    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "A model file or run checkpoint written by autolora (.safetensors)." };
        var data = CommonOptions.Data();
        var classes = CommonOptions.Classes();
        var attacks = new Option<string>("--attacks")
        {
            Description = "Comma-separated: clean, pgdK (e.g. pgd20: K steps of CE PGD from a uniform start, step --pgd-step), aa (standard AutoAttack), or single AutoAttack attacks: apgd-ce, apgd-dlr, apgd-t, fab-t, square.",
            DefaultValueFactory = _ => "clean,pgd20",
        };
        var eps = CommonOptions.Epsilon(8f / 255f);
        var pgdStep = new Option<float>("--pgd-step")
        {
            Description = "Step size of pgdK, in [0,1] pixel units (default 2/255 ≈ 0.00784, the papers' PGD at eps 8/255). The demo's and the fashion-mnist plan's PGD-20 use 0.01 " +
                "(eps/10), a plan's results its evaluation's pgd-step (default eps/4), a run log's validation RA --validation-step (default the training step, eps/4).",
            DefaultValueFactory = _ => PgdConfig.EvaluationStep,
        };
        var n = CommonOptions.Limit("--n", "test images");
        var seed = CommonOptions.Seed();
        var batch = CommonOptions.BatchSize();
        var backendOptions = new BackendOptions();
        var runDir = CommonOptions.RunDirectory();
        var discardState = new Option<bool>(DiscardStateFlag) { Description = "Start an evaluation over when its saved progress in the run directory is damaged or another evaluation's (it is an error by default)." };
        var folder = new FolderOptionSet();
        var command = new Command("eval", "Evaluates a model's clean, PGD and AutoAttack robust accuracy on a test split.") { model, data, classes, attacks, eps, pgdStep, n, seed, batch, runDir, discardState };
        backendOptions.AddTo(command);
        folder.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            var plan = EvalPlan.Parse(r.GetValue(attacks)!);
            var replicas = Communicators.FromEnvironment();
            string dir = r.GetValue(runDir) ?? TrainingOptionSet.DefaultRunDirectory("eval");
            if (replicas.IsRoot) RunDirectories.Create(dir);
            using var backend = backendOptions.Create(r, replicas.IsRoot ? Console.Out : TextWriter.Null);
            using var classifier = ModelLoader.Load(r.GetValue(model)!, backend);
            var test = DataSelection.Test(r.GetValue(data)!, r.GetValue(classes), r.GetValue(n), folder.Options(r));
            if (test.ClassCount != classifier.Spec.Classes)
            {
                throw new ArgumentException($"The model has {classifier.Spec.Classes} classes but the test data has {test.ClassCount}; pass --classes to select the model's classes.");
            }
            if (replicas.IsDistributed)
            {
                Replicas.CheckAgree(replicas, Replicas.Bytes(classifier.NamedParameters().Concat(classifier.NamedBuffers()).Select(p => p.Tensor)), "model weights");
                if (replicas.IsRoot) Console.WriteLine($"data-parallel: {replicas.Description}, each evaluating every {replicas.Size}th batch of {r.GetValue(batch)} images of each pass");
            }
            using var logits = new ClassifierLogitModel(classifier);
            var points = new Training.Evaluation.ImageSetAttackPoints(test, r.GetValue(batch));
            var baseOptions = new AutoAttackOptions { Epsilon = r.GetValue(eps), PgdStepSize = r.GetValue(pgdStep), BatchSize = r.GetValue(batch), Seed = r.GetValue(seed), DiscardUnusableState = r.GetValue(discardState) };
            if (plan.Runs.Count == 0)
            {
                // The runner's clean pass, with no attack and no checks: the same batches as one process however many ranks share them.
                double clean = new AutoAttackRunner(baseOptions with { Attacks = [], RunChecks = false }, replicas).Run(logits, points).CleanAccuracy;
                if (replicas.IsRoot)
                {
                    Console.WriteLine($"clean accuracy on {test.Count} images of {test.Name}: {clean:P2}");
                    File.WriteAllText(Path.Combine(dir, "eval.json"), new JsonObject { ["data"] = test.Name, ["points"] = test.Count, ["clean"] = clean }.ToJsonString());
                }
                replicas.Finish();
                return 0;
            }
            string title = Path.GetFileName(r.GetValue(model)!);

            var reports = new List<(string Label, AutoAttackReport Report)>();
            foreach (var (label, list) in plan.Runs)
            {
                var options = baseOptions with { Attacks = list, StatePath = Path.Combine(dir, $"state-{string.Join('+', list)}-{ModelIdentity.Of(r.GetValue(model)!)}.json") };
                reports.Add((label, AttackView.Run(options, logits, points, title, replicas)));
            }
            if (replicas.IsRoot) Print(reports, test, baseOptions, dir);
            replicas.Finish();
            return 0;
        }));
        return command;
    }

    /// <summary>The flag that lets eval discard saved progress it cannot resume (named in that error's message).</summary>
    public const string DiscardStateFlag = "--discard-state";

    private static void Print(List<(string Label, AutoAttackReport Report)> reports, IImageSet test, AutoAttackOptions options, string dir)
    {
        float eps = options.Epsilon;
        bool pgd = reports.Any(x => x.Label.StartsWith("PGD-", StringComparison.Ordinal));
        string pgdStep = pgd ? $", PGD step {options.PgdStepSize:G4}" : "";
        var summary = new Table().Title(Markup.Escape($"{test.Name}: {test.Count} points, L∞ eps = {eps:G4}{pgdStep}")).AddColumns("evaluation", "accuracy", "seconds");
        if (reports.Count > 0) summary.AddRow("clean", $"{reports[0].Report.CleanAccuracy:P2}", "");
        foreach (var (label, report) in reports)
        {
            summary.AddRow(Markup.Escape(label), $"{report.RobustAccuracy:P2}", $"{report.Attacks.Sum(a => a.Seconds):F1}");
        }
        AnsiConsole.Write(summary);

        foreach (var (label, report) in reports.Where(x => x.Report.Attacks.Count > 1))
        {
            var breakdown = new Table().Title(Markup.Escape($"{label}: attack by attack (only points still robust go on)")).AddColumns("attack", "attacked", "broken", "accuracy after", "seconds", "note");
            foreach (var a in report.Attacks)
            {
                breakdown.AddRow(Markup.Escape(a.Name), $"{a.Attacked}", $"{a.Successes}", $"{a.AccuracyAfter:P2}", $"{a.Seconds:F1}", Markup.Escape(a.Skipped ?? ""));
            }
            AnsiConsole.Write(breakdown);
        }
        foreach (var (label, report) in reports)
        {
            Console.WriteLine($"{label}: largest perturbation {report.MaxPerturbation:G4} (eps {eps:G4}), pixels in [{report.MinPixel:G4}, {report.MaxPixel:G4}], NaN images {report.NanImages}, out of bounds {report.OutOfBoundsImages}{(report.Resumed ? ", resumed from saved state" : "")}");
            if (report.DiscardedState is { } why) Console.WriteLine($"{label}: started over ({DiscardStateFlag}): {why}");
            foreach (var flag in report.Flags) AnsiConsole.MarkupLine($"[yellow]flag[/] {Markup.Escape(flag.Code)}: {Markup.Escape(flag.Message)}");
        }

        var json = new JsonObject { ["data"] = test.Name, ["points"] = test.Count, ["eps"] = eps };
        if (pgd) json["pgd_step"] = options.PgdStepSize;
        foreach (var (label, report) in reports) json[label] = JsonNode.Parse(report.ToJson());
        string path = Path.Combine(dir, "eval.json");
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"report: {path}");
    }

    /// <summary>
    /// What --attacks asks for: each PGD-k is its own evaluation; "aa" and single AutoAttack attacks
    /// form one sequential run (point-wise worst case over them). Clean accuracy comes with every
    /// run; with no attack at all, it is measured alone.
    /// </summary>
    private sealed record EvalPlan(List<(string Label, IReadOnlyList<string> Attacks)> Runs)
    {
        public static EvalPlan Parse(string text)
        {
            var runs = new List<(string, IReadOnlyList<string>)>();
            var autoAttack = new List<string>();
            bool clean = false;
            foreach (var token in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (token == "clean") clean = true;
                else if (token == "aa") autoAttack.AddRange(AutoAttackOptions.Standard);
                else if (AutoAttackNames.Contains(token)) autoAttack.Add(token);
                else if (token.StartsWith("pgd", StringComparison.Ordinal) && int.TryParse(token[3..], out int k) && k > 0) runs.Add(($"PGD-{k}", [token]));
                else throw new ArgumentException($"--attacks: unknown '{token}'; use clean, pgdK (e.g. pgd20), aa, or {string.Join(", ", AutoAttackNames)}.");
            }
            var distinct = autoAttack.Distinct().ToList();
            if (distinct.Count > 0) runs.Add((distinct.SequenceEqual(AutoAttackOptions.Standard) ? "AutoAttack" : "AutoAttack (" + string.Join("+", distinct) + ")", distinct));
            if (runs.Count == 0 && !clean) throw new ArgumentException("--attacks names nothing to evaluate.");
            return new EvalPlan(runs);
        }
    }
}
