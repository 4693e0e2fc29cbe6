using System.CommandLine;
using System.Text.Json;
using AutoLoRa.Cli.Options;
using AutoLoRa.Cli.Plans;
using AutoLoRa.Cli.Presentation;
using AutoLoRa.Core.Backends;
using AutoLoRa.Distributed;
using AutoLoRa.Reproduction;
using AutoLoRa.Training.Recipes;
using Spectre.Console;

namespace AutoLoRa.Cli.Commands;

/// <summary>
/// <c>autolora reproduce PLAN</c>: runs a reproduction plan (a JSON file, or a built-in plan by
/// name) cell by cell, resuming where it stopped, and writes results.md, results.csv and plots.
/// Under mpirun each cell trains and evaluates data-parallel; rank 0 alone prints and writes.
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var planArgument = new Argument<string?>("PLAN") { Description = "A plan file (.json), or the name of a built-in plan (see --list-plans).", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string?>("--out") { Description = "Output directory (default runs/reproduce/<plan name>); rerunning with the same one resumes." };
        var list = new Option<bool>("--list-plans") { Description = "List the built-in plans and exit." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check the plan and list its cells with their state, without running anything." };
        var backendOptions = new BackendOptions();
        var command = new Command("reproduce", "Runs a grid of fine-tuning runs (methods × datasets × models × seeds × ablations) and tabulates SA, PGD and AutoAttack accuracy.")
        {
            planArgument, output, list, dryRun,
        };
        backendOptions.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            var replicas = Communicators.FromEnvironment();
            if (r.GetValue(list)) return Finish(replicas, replicas.IsRoot ? ListPlans() : 0);
            string spec = r.GetValue(planArgument) ?? throw new ArgumentException("Name a plan file or a built-in plan (autolora reproduce --list-plans shows them).");
            var (text, origin) = ReadPlan(spec);
            var sources = new FileSources(FineTuning.Load);
            var grid = PlanGrid.Expand(PlanParser.Parse(text, origin, sources));
            var store = new ResultStore(r.GetValue(output) ?? Path.Combine("runs", "reproduce", grid.Plan.Name));
            if (replicas.IsRoot) Describe(grid, store);
            if (r.GetValue(dryRun)) return Finish(replicas, replicas.IsRoot ? ListCells(grid, store) : 0);
            // Every rank must run the same plan: its identity covers every cell's settings.
            Replicas.CheckAgree(replicas, System.Text.Encoding.UTF8.GetBytes(string.Join('|', grid.Cells.Select(c => c.Identity))), "plan (cells and their settings)");
            using var backend = backendOptions.Create(r, replicas.IsRoot ? Console.Out : TextWriter.Null);
            return Finish(replicas, Run(backend, sources, grid, store, replicas));
        }));
        return command;
    }

    private static int Finish(Communicator replicas, int exit)
    {
        replicas.Finish();
        return exit;
    }

    private static int Run(Backend backend, IPlanSources sources, PlanGrid grid, ResultStore store, Communicator replicas)
    {
        var plan = grid.Plan;
        if (!replicas.IsRoot)
        {
            new ReproductionRunner(backend, sources, new Unseen(), replicas).Run(grid, store);
            return 0;
        }
        if (replicas.IsDistributed) Console.WriteLine($"data-parallel: {replicas.Description}; each cell trains and evaluates over all of them");
        var results = new ReproductionRunner(backend, sources, new ReproductionView(plan.Evaluation.PgdName), replicas).Run(grid, store);
        Console.WriteLine();
        Console.WriteLine(new ResultsTable(plan, grid.Cells.Count, results).Summary());
        var plots = results.Count > 0 ? ReproductionPlots.Save(results, plan.Evaluation.PgdName, store.Root) : [];
        Console.WriteLine($"results: {Path.Combine(store.Root, "results.md")}, {Path.Combine(store.Root, "results.csv")}{string.Concat(plots.Select(p => ", " + p))}");
        return 0;
    }

    /// <summary>The monitor of a rank other than 0: the interface's defaults, which show nothing.</summary>
    private sealed class Unseen : IReproductionMonitor;

    /// <summary>A file path first; otherwise a built-in plan's name.</summary>
    private static (string Text, string Origin) ReadPlan(string spec)
    {
        if (File.Exists(spec)) return (File.ReadAllText(spec), spec);
        if (BuiltInPlans.Read(spec) is { } text) return (text, $"built-in plan {spec}");
        throw new ArgumentException($"{spec}: no such plan file, and no built-in plan of that name (built-in: {string.Join(", ", BuiltInPlans.Names)}).");
    }

    private static void Describe(PlanGrid grid, ResultStore store)
    {
        var states = grid.Cells.Select(c => ReproductionRunner.StateOf(c, store)).ToList();
        int Count(CellState s) => states.Count(x => x == s);
        Console.WriteLine($"plan {grid.Plan.Name}: {grid.Cells.Count} cells in {store.Root}: {Count(CellState.Finished)} finished, " +
                          $"{Count(CellState.Trained)} trained, {Count(CellState.Resuming)} half-trained, {Count(CellState.Starting)} not started");
        // Printed whenever the plan is read, dry runs included: the choice flatters every number those cells report.
        var onTest = grid.Cells.Where(c => SelectionSettings.OnTest(c.Settings)).ToList();
        if (onTest.Count > 0)
        {
            Console.WriteLine($"warning: {onTest.Count} of {grid.Cells.Count} cells: {SelectionSettings.Warning(onTest[0].Settings)} (recorded in their config.json and in results.md)");
        }
    }

    private static int ListCells(PlanGrid grid, ResultStore store)
    {
        var table = new Table().AddColumns("#", "cell", "state", "epochs", "run directory");
        for (int i = 0; i < grid.Cells.Count; i++)
        {
            var cell = grid.Cells[i];
            table.AddRow($"{i + 1}", Markup.Escape(cell.Name), ReproductionRunner.StateOf(cell, store).ToString().ToLowerInvariant(), $"{cell.Settings.Epochs}", Markup.Escape(store.CellDirectory(cell)));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static int ListPlans()
    {
        foreach (string name in BuiltInPlans.Names)
        {
            string text = BuiltInPlans.Read(name)!;
            using var json = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            string description = json.RootElement.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";
            var variables = PlanVariables.Names(text);
            Console.WriteLine($"{name}: {description}");
            if (variables.Count > 0) Console.WriteLine($"  needs the environment variables {string.Join(", ", variables)}");
        }
        Console.WriteLine("Run one with: autolora reproduce NAME [--out DIR] [--dry-run]");
        return 0;
    }
}
