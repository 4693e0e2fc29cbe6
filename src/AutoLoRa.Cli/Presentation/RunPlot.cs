using AutoLoRa.Training;
using ScottPlot;

namespace AutoLoRa.Cli.Presentation;

/// <summary>Renders a run's history: accuracies and λ1 (fractions) on top, λ2 in the middle, the learning rate (log scale) below, and the tracked gradient similarity at the bottom.</summary>
internal static class RunPlot
{
    public static void Save(IReadOnlyList<EpochRecord> history, string title, string path)
    {
        double[] epochs = history.Select(h => (double)h.Epoch + 1).ToArray();

        var fractions = new Plot();
        fractions.Title($"{title}: validation accuracy");
        Line(fractions, epochs, history.Select(h => (double)h.ValidationCleanAccuracy), "val SA");
        Line(fractions, epochs, history.Select(h => (double)h.ValidationRobustAccuracy), "val RA (PGD)");
        if (history.All(h => h.Scalars.ContainsKey("lambda1"))) Line(fractions, epochs, history.Select(h => (double)h.Scalars["lambda1"]), "λ1");
        if (history.All(h => h.Scalars.ContainsKey("sa_nat"))) Line(fractions, epochs, history.Select(h => (double)h.Scalars["sa_nat"]), "natural SA (λ input)");
        fractions.Axes.SetLimitsY(0, 1);
        fractions.ShowLegend();

        var lambda2 = new Plot();
        lambda2.Title("λ2");
        if (history.All(h => h.Scalars.ContainsKey("lambda2"))) Line(lambda2, epochs, history.Select(h => (double)h.Scalars["lambda2"]), "λ2");

        var rate = new Plot();
        rate.Title("learning rate (log10)");
        Line(rate, epochs, history.Select(h => Math.Log10(h.LearningRate)), "log10 lr");

        var figure = new Multiplot(fractions);
        figure.AddPlot(lambda2);
        figure.AddPlot(rate);
        bool tracked = history.All(h => h.GradientSimilarity is not null);
        var bottom = tracked ? GradientSimilarity(history, epochs) : rate;
        if (tracked) figure.AddPlot(bottom);
        bottom.XLabel("epoch");
        figure.Layout = new ScottPlot.MultiplotLayouts.Rows();
        figure.SavePng(path, 900, tracked ? 1300 : 1000);
    }

    /// <summary>Mean cosine across convolutions of each tracked objective pair, per epoch.</summary>
    private static Plot GradientSimilarity(IReadOnlyList<EpochRecord> history, double[] epochs)
    {
        var plot = new Plot();
        plot.Title("gradient similarity (mean over convolutions)");
        foreach (var pair in history[0].GradientSimilarity!.Select(p => p.Pair))
        {
            Line(plot, epochs, history.Select(h => (double)(h.GradientSimilarity!.FirstOrDefault(p => p.Pair == pair)?.Mean ?? double.NaN)), pair);
        }
        plot.Axes.SetLimitsY(-1, 1);
        plot.ShowLegend();
        return plot;
    }

    /// <summary>A labelled line of <paramref name="ys"/> over <paramref name="xs"/> (shared with <see cref="ReproductionPlots"/>).</summary>
    internal static ScottPlot.Plottables.Scatter Line(Plot plot, double[] xs, IEnumerable<double> ys, string label)
    {
        var scatter = plot.Add.Scatter(xs, ys.ToArray());
        scatter.LegendText = label;
        return scatter;
    }
}
