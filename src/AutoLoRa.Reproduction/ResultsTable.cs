using System.Globalization;
using System.Text;

namespace AutoLoRa.Reproduction;

/// <summary>
/// A plan's results as text: Markdown (a summary with mean ± sample standard deviation across
/// seeds, then one row per cell) and CSV (one row per cell, every trajectory in full).
/// Accuracies are fractions in the CSV and percentages in the Markdown.
/// </summary>
public sealed class ResultsTable(ReproductionPlan plan, int cellCount, IReadOnlyList<CellResult> results)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The whole report: what was measured, the summary, then every cell.</summary>
    public string Markdown()
    {
        var e = plan.Evaluation;
        var md = new StringBuilder();
        md.AppendLine($"# Reproduction: {plan.Name}").AppendLine();
        if (plan.Description.Length > 0) md.AppendLine(plan.Description).AppendLine();
        md.AppendLine($"{results.Count} of {cellCount} cells finished. L∞ ε = {Number(e.Epsilon)}; SA and {e.PgdName} (step {Number(e.PgdStepSize)}) on " +
                      $"{Images(plan.TestImages)} test images; AutoAttack (standard) on {AutoAttackImages(e.AutoAttackImages)}. " +
                      "Models are each run's best-validation-robust checkpoint.").AppendLine();
        md.Append(Summary()).AppendLine();
        md.Append(Cells());
        return md.ToString();
    }

    /// <summary>One row per variant: each measure's mean ± std over its seeds.</summary>
    public string Summary()
    {
        string pgd = plan.Evaluation.PgdName;
        var md = new StringBuilder();
        md.AppendLine("## Summary (mean ± std over seeds)").AppendLine();
        Row(md, "dataset", "model", "method", "ablation", "seeds", "epochs", "SA %", $"{pgd} %", "AA %", "train min");
        Rule(md, 10);
        foreach (var group in results.GroupBy(r => (r.Dataset, r.Model, r.Method, r.Ablation)))
        {
            var g = group.ToList();
            Row(md, group.Key.Dataset, group.Key.Model, group.Key.Method, group.Key.Ablation, g.Count.ToString(Invariant),
                Number(g.Average(r => (double)r.History.Count)),
                MeanStd(g.Select(r => (double)r.Evaluation.Clean)), MeanStd(g.Select(r => (double)r.Evaluation.Pgd)),
                g.All(r => r.Evaluation.AutoAttack is not null) ? MeanStd(g.Select(r => r.Evaluation.AutoAttack!.Value)) : "–",
                (g.Average(r => r.TrainSeconds) / 60).ToString("F1", Invariant));
        }
        return md.ToString();
    }

    /// <summary>One row per cell, with its learning-rate and λ trajectories in short form.</summary>
    public string Cells()
    {
        string pgd = plan.Evaluation.PgdName;
        var md = new StringBuilder();
        md.AppendLine("## Cells").AppendLine();
        Row(md, "dataset", "model", "method", "ablation", "seed", "epochs", "SA %", $"{pgd} %", "AA %", "train s", "eval s", "lr", "λ1", "λ2", "AA flags");
        Rule(md, 15);
        foreach (var r in results)
        {
            Row(md, r.Dataset, r.Model, r.Method, r.Ablation, r.Seed.ToString(Invariant), r.History.Count.ToString(Invariant),
                Percent(r.Evaluation.Clean), Percent(r.Evaluation.Pgd), r.Evaluation.AutoAttack is { } aa ? Percent(aa) : "–",
                r.TrainSeconds.ToString("F0", Invariant), r.Evaluation.Seconds.ToString("F0", Invariant),
                Runs(r.LearningRates()), Span(r.Scalar("lambda1")), Span(r.Scalar("lambda2")), string.Join(" ", r.Evaluation.AutoAttackFlags));
        }
        return md.ToString();
    }

    public string Csv()
    {
        var csv = new StringBuilder();
        csv.AppendLine("dataset,model,method,ablation,seed,epochs,clean,pgd,pgd_steps,autoattack,test_images,autoattack_images,autoattack_flags," +
                       "train_seconds,eval_seconds,lr,lambda1,lambda2,val_clean,val_robust,identity");
        foreach (var r in results)
        {
            var e = r.Evaluation;
            csv.AppendLine(string.Join(",", Field(r.Dataset), Field(r.Model), Field(r.Method), Field(r.Ablation), r.Seed.ToString(Invariant),
                r.History.Count.ToString(Invariant), Number(e.Clean), Number(e.Pgd), plan.Evaluation.PgdSteps.ToString(Invariant),
                e.AutoAttack is { } aa ? Number(aa) : "", e.TestImages.ToString(Invariant), e.AutoAttackImages.ToString(Invariant),
                Field(string.Join(" ", e.AutoAttackFlags)), Number(r.TrainSeconds), Number(e.Seconds),
                Series(r.LearningRates()), Series(r.Scalar("lambda1")), Series(r.Scalar("lambda2")),
                Series(r.History.Select(h => h.ValidationCleanAccuracy)), Series(r.History.Select(h => h.ValidationRobustAccuracy)), r.Identity));
        }
        return csv.ToString();
    }

    private static void Row(StringBuilder md, params string[] cells) => md.AppendLine("| " + string.Join(" | ", cells) + " |");

    private static void Rule(StringBuilder md, int columns) => md.AppendLine("|" + string.Concat(Enumerable.Repeat(" --- |", columns)));

    private static string Number(double value) => value.ToString("G6", Invariant);

    private static string Percent(double fraction) => (100 * fraction).ToString("F1", Invariant);

    /// <summary>Mean ± sample standard deviation in percent; a single value alone.</summary>
    private static string MeanStd(IEnumerable<double> fractions)
    {
        var spread = SeedSpread.Of(fractions);
        return spread.Count < 2 ? Percent(spread.Mean) : $"{Percent(spread.Mean)} ± {Percent(spread.Std)}";
    }

    private static string Images(int? n) => n is { } count ? $"the first {count}" : "all";

    private static string AutoAttackImages(int? n) => n switch
    {
        0 => "no images (not run)",
        null => "all of them",
        _ => $"the first {n}",
    };

    /// <summary>A learning-rate trajectory run-length encoded, e.g. "0.01×4, 0.005×2".</summary>
    private static string Runs(IReadOnlyList<float> values)
    {
        var runs = new List<(float Value, int Count)>();
        foreach (float v in values)
        {
            if (runs.Count > 0 && runs[^1].Value == v) runs[^1] = (v, runs[^1].Count + 1);
            else runs.Add((v, 1));
        }
        return string.Join(", ", runs.Select(r => $"{r.Value.ToString("G3", Invariant)}×{r.Count}"));
    }

    /// <summary>A λ trajectory as "first → last" (the CSV has every epoch).</summary>
    private static string Span(IReadOnlyList<float> values) => values.Count switch
    {
        0 => "–",
        1 => values[0].ToString("F2", Invariant),
        _ => $"{values[0].ToString("F2", Invariant)} → {values[^1].ToString("F2", Invariant)}",
    };

    /// <summary>Per-epoch values separated by spaces, in one CSV field.</summary>
    private static string Series(IEnumerable<float> values) => string.Join(" ", values.Select(v => v.ToString("G6", Invariant)));

    /// <summary>A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).</summary>
    private static string Field(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
