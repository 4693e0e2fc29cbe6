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
        string? warning = TestSelectionWarning();
        md.AppendLine($"# Reproduction: {plan.Name}").AppendLine();
        if (plan.Description.Length > 0) md.AppendLine(plan.Description).AppendLine();
        md.AppendLine($"{results.Count} of {cellCount} cells finished. L∞ ε = {Number(e.Epsilon)}; SA and {e.PgdName} (step {Number(e.PgdStepSize)}) on " +
                      $"{Images(plan.TestImages)} test images; AutoAttack (standard) on {AutoAttackImages(e.AutoAttackImages)}. " +
                      (warning is null ? "Models are each run's best-validation-robust checkpoint." : "Models are each run's best-validation-robust checkpoint but for the rows the warning below names.")).AppendLine();
        if (warning is not null) md.AppendLine(warning).AppendLine();
        md.Append(Summary()).AppendLine();
        md.Append(PairedTests()).AppendLine();
        md.Append(Cells());
        return md.ToString();
    }

    /// <summary>
    /// The warning for the variants whose cells chose their checkpoint on the test set (select-on test, known
    /// from the test accuracies their logs hold), or null when none did.
    /// </summary>
    public string? TestSelectionWarning()
    {
        var variants = results.Where(r => r.History.Any(h => h.TestRobustAccuracy is not null))
            .Select(r => $"{r.Dataset}.{r.Model}.{r.Method}.{r.Ablation}").Distinct().ToList();
        return variants.Count == 0 ? null
            : $"**Warning: {string.Join(", ", variants)} chose the checkpoint on the test set (select-on test, the authors' protocol), " +
              "so the SA, PGD and AA of those rows are measured on the images that picked the model: optimistic, not comparable with the other rows.**";
    }

    /// <summary>One row per variant: each measure's mean ± std over its seeds, and beside them the published numbers where the plan gives them.</summary>
    public string Summary()
    {
        string pgd = plan.Evaluation.PgdName;
        bool published = plan.Ablations.Any(a => a.Published is { Count: > 0 });
        var md = new StringBuilder();
        md.AppendLine("## Summary (mean ± std over seeds)").AppendLine();
        string[] header = ["dataset", "model", "method", "ablation", "seeds", "epochs", "SA %", $"{pgd} %", "AA %", "train min"];
        Row(md, published ? [.. header, "published SA %", "published AA %"] : header);
        Rule(md, header.Length + (published ? 2 : 0));
        foreach (var group in results.GroupBy(r => (r.Dataset, r.Model, r.Method, r.Ablation)))
        {
            var g = group.ToList();
            string[] row =
            [
                group.Key.Dataset, group.Key.Model, group.Key.Method, group.Key.Ablation, g.Count.ToString(Invariant),
                Number(g.Average(r => (double)r.History.Count)),
                MeanStd(g.Select(r => (double)r.Evaluation.Clean)), MeanStd(g.Select(r => (double)r.Evaluation.Pgd)),
                g.All(r => r.Evaluation.AutoAttack is not null) ? MeanStd(g.Select(r => r.Evaluation.AutoAttack!.Value)) : "–",
                (g.Average(r => r.TrainSeconds) / 60).ToString("F1", Invariant),
            ];
            if (!published)
            {
                Row(md, row);
                continue;
            }
            var numbers = plan.Ablations.FirstOrDefault(a => a.Name == group.Key.Ablation)?.Published?.GetValueOrDefault(group.Key.Method);
            Row(md, [.. row, PublishedCell(numbers?.CleanPercent, numbers?.Note), PublishedCell(numbers?.AutoAttackPercent, numbers?.Note)]);
        }
        return md.ToString();
    }

    private static string PublishedCell(double? percent, string? note) => percent is { } p ? p.ToString("F2", Invariant) : note ?? "–";

    /// <summary>The method the paired tests compare every other method with.</summary>
    public const string Tested = "autolora";

    /// <summary>
    /// AutoLoRa against each other method of the same dataset, backbone and ablation, measure by
    /// measure, over the seeds both ran: <see cref="PairedTTest"/>, or a note that fewer seeds allow no test.
    /// </summary>
    public IEnumerable<(string Dataset, string Model, string Ablation, string Baseline, string Measure, int Seeds, PairedTTest? Test)> PairedComparisons()
    {
        var measures = new (string Name, Func<CellResult, double?> Of)[]
        {
            ("SA", r => r.Evaluation.Clean), (plan.Evaluation.PgdName, r => r.Evaluation.Pgd), ("AA", r => r.Evaluation.AutoAttack),
        };
        foreach (var group in results.GroupBy(r => (r.Dataset, r.Model, r.Ablation)))
        {
            var tested = group.Where(r => r.Method == Tested).ToDictionary(r => r.Seed);
            if (tested.Count == 0) continue;
            foreach (var baseline in group.Where(r => r.Method != Tested).GroupBy(r => r.Method))
            {
                foreach (var (name, of) in measures)
                {
                    var pairs = baseline.Where(r => tested.ContainsKey(r.Seed) && of(r) is not null && of(tested[r.Seed]) is not null)
                        .Select(r => (of(tested[r.Seed])!.Value, of(r)!.Value)).ToList();
                    if (pairs.Count > 0) yield return (group.Key.Dataset, group.Key.Model, group.Key.Ablation, baseline.Key, name, pairs.Count, PairedTTest.Of(pairs));
                }
            }
        }
    }

    /// <summary>The paired tests as a Markdown section, the test and its assumptions named.</summary>
    public string PairedTests()
    {
        var md = new StringBuilder();
        md.AppendLine($"## Paired tests: {Tested} against each baseline").AppendLine();
        md.AppendLine($"Paired two-sided Student's t-test on the per-seed differences ({Tested} − baseline, in percentage points), seeds paired " +
                      $"(same backbone, data and split); it assumes the differences are independent across seeds and roughly normal. " +
                      $"With fewer than {PairedTTest.MinimumPairs} paired seeds no test is possible and none is printed.").AppendLine();
        Row(md, "dataset", "model", "ablation", "baseline", "measure", "seeds", "mean difference (pp)", "t", "p");
        Rule(md, 9);
        foreach (var c in PairedComparisons())
        {
            string none = $"no test possible ({c.Seeds} seed{(c.Seeds == 1 ? "" : "s")}; needs {PairedTTest.MinimumPairs})";
            Row(md, c.Dataset, c.Model, c.Ablation, c.Baseline, c.Measure, c.Seeds.ToString(Invariant),
                c.Test is { } t ? (100 * t.MeanDifference).ToString("F2", Invariant) : "–",
                c.Test is { } t2 ? t2.T.ToString("F2", Invariant) : "–",
                c.Test is { } t3 ? t3.P.ToString("G3", Invariant) : none);
        }
        return md.ToString();
    }

    /// <summary>The paired tests as CSV (one row per comparison; empty t and p where no test is possible).</summary>
    public string PairedCsv()
    {
        var csv = new StringBuilder();
        csv.AppendLine("dataset,model,ablation,method,baseline,measure,seeds,test,mean_difference,t,p");
        foreach (var c in PairedComparisons())
        {
            csv.AppendLine(string.Join(",", Field(c.Dataset), Field(c.Model), Field(c.Ablation), Tested, Field(c.Baseline), Field(c.Measure),
                c.Seeds.ToString(Invariant), c.Test is null ? "none (fewer than 3 seeds)" : "paired two-sided t",
                c.Test is { } t ? Number(t.MeanDifference) : "", c.Test is { } t2 ? Number(t2.T) : "", c.Test is { } t3 ? Number(t3.P) : ""));
        }
        return csv.ToString();
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

    /// <summary>The rows as CSV, one per cell.</summary>
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
