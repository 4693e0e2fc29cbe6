using AutoLoRa.Reproduction;
using ScottPlot;

namespace AutoLoRa.Cli.Presentation;

/// <summary>
/// Figures comparing a plan's methods: accuracy.png (SA, PGD and AutoAttack accuracy per variant,
/// mean with a ±std bar over seeds) and trajectories.png (learning rate, λ1 and λ2 per epoch, one
/// line per cell).
/// </summary>
internal static class ReproductionPlots
{
    public static IReadOnlyList<string> Save(IReadOnlyList<CellResult> results, string pgdName, string directory)
    {
        string accuracy = Path.Combine(directory, "accuracy.png"), trajectories = Path.Combine(directory, "trajectories.png");
        SaveAccuracy(results, pgdName, accuracy);
        SaveTrajectories(results, trajectories);
        return [accuracy, trajectories];
    }

    private static void SaveAccuracy(IReadOnlyList<CellResult> results, string pgdName, string path)
    {
        // Dataset and model enter the label only when the plan has several of them.
        bool manyTasks = results.Select(r => (r.Dataset, r.Model)).Distinct().Count() > 1;
        var groups = results.GroupBy(r => (r.Dataset, r.Model, r.Method, r.Ablation)).ToList();
        var metrics = new List<(string Name, Func<CellResult, double?> Value)>
        {
            ("SA", r => r.Evaluation.Clean),
            (pgdName, r => r.Evaluation.Pgd),
            ("AutoAttack", r => r.Evaluation.AutoAttack),
        };
        var palette = new ScottPlot.Palettes.Category10();
        var plot = new Plot();
        var bars = new List<Bar>();
        for (int g = 0; g < groups.Count; g++)
        {
            for (int m = 0; m < metrics.Count; m++)
            {
                var values = groups[g].Select(metrics[m].Value).ToList();
                if (values.Any(v => v is null)) continue;
                var spread = SeedSpread.Of(values.Select(v => 100 * v!.Value));
                bars.Add(new Bar { Position = g * (metrics.Count + 1) + m, Value = spread.Mean, Error = spread.Std, FillColor = palette.GetColor(m) });
            }
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(
            [.. groups.Select((_, g) => g * (metrics.Count + 1) + (metrics.Count - 1) / 2.0)],
            [.. groups.Select(g => Label(g.Key.Dataset, g.Key.Model, g.Key.Method, g.Key.Ablation, manyTasks))]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperLeft;
        plot.Axes.Bottom.MinimumSize = 140;
        for (int m = 0; m < metrics.Count; m++) plot.Legend.ManualItems.Add(new LegendItem { LabelText = metrics[m].Name, FillColor = palette.GetColor(m) });
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.SetLimitsY(0, 100);
        plot.YLabel("test accuracy % (mean ± std over seeds)");
        plot.Title("accuracy by method");
        plot.SavePng(path, Math.Max(700, 110 * groups.Count), 600);
    }

    private static void SaveTrajectories(IReadOnlyList<CellResult> results, string path)
    {
        var rate = new Plot();
        rate.Title("learning rate (log10)");
        var lambda1 = new Plot();
        lambda1.Title("λ1");
        var lambda2 = new Plot();
        lambda2.Title("λ2");
        lambda2.XLabel("epoch");
        // One colour per variant, one line pattern per seed, the same in every panel.
        bool manyTasks = results.Select(r => (r.Dataset, r.Model)).Distinct().Count() > 1;
        var variants = results.Select(r => (r.Dataset, r.Model, r.Method, r.Ablation)).Distinct().ToList();
        var seeds = results.Select(r => r.Seed).Distinct().ToList();
        LinePattern[] patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var r in results)
        {
            var style = (Color: palette.GetColor(variants.IndexOf((r.Dataset, r.Model, r.Method, r.Ablation))), Pattern: patterns[seeds.IndexOf(r.Seed) % patterns.Length]);
            string label = $"{Label(r.Dataset, r.Model, r.Method, r.Ablation, manyTasks)} s{r.Seed}";
            // The learning rate is constant within an epoch: drawn as steps.
            Line(rate, [.. r.LearningRates().Select(v => Math.Log10(v))], label, style, ConnectStyle.StepHorizontal);
            Line(lambda1, [.. r.Scalar("lambda1").Select(v => (double)v)], label, style, ConnectStyle.Straight);
            Line(lambda2, [.. r.Scalar("lambda2").Select(v => (double)v)], label, style, ConnectStyle.Straight);
        }
        var figure = new Multiplot(rate);
        figure.AddPlot(lambda1);
        figure.AddPlot(lambda2);
        figure.Layout = new ScottPlot.MultiplotLayouts.Rows();
        figure.SavePng(path, 900, 1100);
    }

    private static string Label(string dataset, string model, string method, string ablation, bool manyTasks)
    {
        string variant = ablation == PlanAblation.Baseline ? method : $"{method} ({ablation})";
        return manyTasks ? $"{dataset}/{model}/{variant}" : variant;
    }

    private static void Line(Plot plot, double[] values, string label, (Color Color, LinePattern Pattern) style, ConnectStyle connect)
    {
        if (values.Length == 0) return;
        var scatter = RunPlot.Line(plot, [.. Enumerable.Range(1, values.Length).Select(e => (double)e)], values, label);
        scatter.Color = style.Color;
        scatter.LinePattern = style.Pattern;
        scatter.ConnectStyle = connect;
        plot.ShowLegend(Alignment.UpperRight);
    }
}
