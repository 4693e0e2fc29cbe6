using System.Globalization;
using AutoLoRa.Training.Analysis;
using ScottPlot;
using Spectre.Console;

namespace AutoLoRa.Cli.Presentation;

/// <summary>The gradient-similarity diagnostic on screen (a table per pair) and as a PNG (cosine per convolution, one line per pair).</summary>
internal static class GradSimView
{
    public static void Table(string title, IReadOnlyList<PairSimilarity> pairs)
    {
        var layers = pairs.SelectMany(p => p.Layers.Select(l => l.Layer)).Distinct().ToList();
        var table = new Table().Title(Markup.Escape(title)).AddColumn("convolution");
        foreach (var pair in pairs) table.AddColumn(Markup.Escape(pair.Pair));
        foreach (var layer in layers)
        {
            var cells = new List<string> { Markup.Escape(layer) };
            cells.AddRange(pairs.Select(p => p.Layers.FirstOrDefault(l => l.Layer == layer) is { } l ? Format(l.Cosine) : ""));
            table.AddRow(cells.ToArray());
        }
        table.AddRow(["mean ± std", .. pairs.Select(p => $"{Format(p.Mean)} ± {p.Std.ToString("F3", CultureInfo.InvariantCulture)}")]);
        AnsiConsole.Write(table);
    }

    /// <summary>One line per pair over the convolutions in state-dict order, its mean as a dashed line.</summary>
    public static void Save(string title, IReadOnlyList<PairSimilarity> pairs, string path)
    {
        var layers = pairs.SelectMany(p => p.Layers.Select(l => l.Layer)).Distinct().ToList();
        var plot = new Plot();
        plot.Title(title);
        foreach (var pair in pairs)
        {
            double[] xs = pair.Layers.Select(l => (double)layers.IndexOf(l.Layer)).ToArray();
            var line = plot.Add.Scatter(xs, pair.Layers.Select(l => (double)l.Cosine).ToArray());
            line.LegendText = $"{pair.Pair} (mean {Format(pair.Mean)} ± {pair.Std.ToString("F3", CultureInfo.InvariantCulture)})";
            var mean = plot.Add.HorizontalLine(pair.Mean);
            mean.Color = line.Color;
            mean.LinePattern = LinePattern.Dashed;
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, layers.Count).Select(i => (double)i).ToArray(), layers.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 60;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        // Room for the rotated layer names (about 6 px per character).
        plot.Axes.Bottom.MinimumSize = 30 + 6 * layers.Max(l => l.Length);
        plot.Axes.Right.MinimumSize = 80;
        plot.XLabel("convolution");
        plot.YLabel("cosine similarity of gradients");
        plot.Axes.SetLimitsY(-1, 1);
        plot.ShowLegend();
        plot.SavePng(path, Math.Max(900, 40 * layers.Count), 700);
    }

    private static string Format(float cosine) => cosine.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
}
