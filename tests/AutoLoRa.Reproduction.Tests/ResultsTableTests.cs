using AutoLoRa.Training;
using AutoLoRa.Training.Evaluation;
using AutoLoRa.Reproduction;

namespace AutoLoRa.Reproduction.Tests;

/// <summary>The Markdown and CSV tables written from known cell results.</summary>
public sealed class ResultsTableTests
{
    private static CellResult Result(string method, int seed, float clean, float pgd, double? autoAttack, float[] rates, float[]? lambda1 = null)
    {
        var history = rates.Select((lr, e) => new EpochRecord(e, lr, 1f, 0.5f, 0.25f, 10,
            lambda1 is null ? new Dictionary<string, float>() : new Dictionary<string, float> { ["lambda1"] = lambda1[e], ["lambda2"] = 6 * (1 - lambda1[e]) }, null)).ToList();
        var evaluation = new RobustnessResult(100, clean, pgd, autoAttack is null ? 0 : 50, autoAttack, autoAttack is null ? [] : ["too-few-classes"], 1, 2, autoAttack is null ? 0 : 3);
        return new CellResult("id-" + method + seed, "fm", "pre", method, "default", seed, evaluation, 10 * rates.Length, history);
    }

    private static readonly CellResult[] Results =
    [
        Result("autolora", 1, 0.80f, 0.50f, 0.40, [0.01f, 0.01f, 0.005f], [0.2f, 0.15f, 0.1f]),
        Result("autolora", 2, 0.90f, 0.60f, 0.50, [0.01f, 0.01f, 0.01f], [0.3f, 0.2f, 0.1f]),
        Result("vanilla", 1, 0.70f, 0.40f, null, [0.01f, 0.001f]),
    ];

    private static ResultsTable Table() => new(TinyPlan.Parse(TinyPlan.Json()), cellCount: 4, Results);

    [Fact]
    public void MarkdownSummarisesSeedsWithMeanAndSampleStd()
    {
        string md = Table().Markdown();
        Assert.Contains("3 of 4 cells finished.", md);
        // autolora: SA 80 and 90 → 85.0 ± 7.1; PGD 50, 60 → 55.0 ± 7.1; AA 40, 50 → 45.0 ± 7.1; 30 s → 0.5 min.
        Assert.Contains("| fm | pre | autolora | default | 2 | 3 | 85.0 ± 7.1 | 55.0 ± 7.1 | 45.0 ± 7.1 | 0.5 |", md);
        Assert.Contains("| fm | pre | vanilla | default | 1 | 2 | 70.0 | 40.0 | – | 0.3 |", md);
        Assert.Contains("| PGD-2 % |", md);
        // Per cell: the learning rate run-length encoded, λ1 first → last.
        Assert.Contains("| fm | pre | autolora | default | 1 | 3 | 80.0 | 50.0 | 40.0 | 30 | 6 | 0.01×2, 0.005×1 | 0.20 → 0.10 | 4.80 → 5.40 | too-few-classes |", md);
        Assert.Contains("| fm | pre | vanilla | default | 1 | 2 | 70.0 | 40.0 | – | 20 | 3 | 0.01×1, 0.001×1 | – | – |  |", md);
    }

    [Fact]
    public void CsvHasOneRowPerCellWithFullTrajectories()
    {
        var lines = Table().Csv().TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(4, lines.Length);
        var header = lines[0].Split(',');
        var first = lines[1].Split(',');
        Assert.Equal(header.Length, first.Length);
        string Field(string[] row, string name) => row[Array.IndexOf(header, name)];
        Assert.Equal(("autolora", "1", "0.8", "0.5", "0.4", "2"), (Field(first, "method"), Field(first, "seed"), Field(first, "clean"), Field(first, "pgd"), Field(first, "autoattack"), Field(first, "pgd_steps")));
        Assert.Equal("0.01 0.01 0.005", Field(first, "lr"));
        Assert.Equal("0.2 0.15 0.1", Field(first, "lambda1"));
        Assert.Equal("30", Field(first, "train_seconds"));
        Assert.Equal("id-autolora1", Field(first, "identity"));
        var vanilla = lines[3].Split(',');
        Assert.Equal(("", "", "0.01 0.001"), (Field(vanilla, "autoattack"), Field(vanilla, "lambda1"), Field(vanilla, "lr")));
    }

    [Fact]
    public void PairedTestsNeedThreeSeedsAndThenGiveStudentsT()
    {
        // Two seeds: the comparison is listed, the test refused.
        string md = Table().Markdown();
        Assert.Contains("Paired two-sided Student's t-test", md);
        Assert.Contains("| fm | pre | default | vanilla | SA | 1 | – | – | no test possible (1 seed; needs 3) |", md);

        // Three seeds: differences 10, 12, 8 pp → mean 10, sd 2, t = 10 / (2 / √3) = 8.66, df 2,
        // two-sided p = 1 − t / √(t² + 2) = 0.0131.
        CellResult[] three =
        [
            Result("autolora", 1, 0.80f, 0.5f, null, [0.01f]), Result("autolora", 2, 0.82f, 0.5f, null, [0.01f]), Result("autolora", 3, 0.78f, 0.5f, null, [0.01f]),
            Result("vanilla", 1, 0.70f, 0.4f, null, [0.01f]), Result("vanilla", 2, 0.70f, 0.4f, null, [0.01f]), Result("vanilla", 3, 0.70f, 0.4f, null, [0.01f]),
        ];
        var sa = new ResultsTable(TinyPlan.Parse(TinyPlan.Json()), 6, three).PairedComparisons().Single(c => c.Measure == "SA");
        var test = Assert.IsType<PairedTTest>(sa.Test);
        Assert.Equal(3, test.Pairs);
        Assert.Equal(0.10, test.MeanDifference, 5);
        Assert.Equal(8.660, test.T, 2);
        Assert.Equal(1 - test.T / Math.Sqrt(test.T * test.T + 2), test.P, 6);
    }

    [Theory]
    [InlineData(2.0, 4, 0.1161165)]
    [InlineData(1.0, 9, 0.3434364)]
    [InlineData(5.5, 3, 0.0118296)]
    public void StudentsTwoSidedPMatchesSimpsonIntegrationOfTheDensity(double t, int df, double p) =>
        Assert.Equal(p, PairedTTest.TwoSidedP(t, df), 5);

    [Fact]
    public void PublishedNumbersStandBesideOurs()
    {
        var json = TinyPlan.Json();
        json["ablations"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
        {
            ["name"] = "lr-3e-2",
            ["settings"] = new System.Text.Json.Nodes.JsonObject { ["lr"] = 0.03 },
            ["published"] = new System.Text.Json.Nodes.JsonObject
            {
                ["vanilla"] = new System.Text.Json.Nodes.JsonObject { ["sa"] = 49.10, ["aa"] = 18.29 },
                ["autolora"] = new System.Text.Json.Nodes.JsonObject { ["note"] = "diverged" },
            },
        });
        var plan = TinyPlan.Parse(json);
        CellResult[] results = [Result("vanilla", 1, 0.5f, 0.2f, 0.15, [0.03f]) with { Ablation = "lr-3e-2" }, Result("autolora", 1, 0.6f, 0.3f, 0.25, [0.03f]) with { Ablation = "lr-3e-2" }];
        string md = new ResultsTable(plan, 2, results).Summary();
        Assert.Contains("| published SA % | published AA % |", md);
        Assert.Contains("| fm | pre | vanilla | lr-3e-2 | 1 | 1 | 50.0 | 20.0 | 15.0 | 0.2 | 49.10 | 18.29 |", md);
        Assert.Contains("| fm | pre | autolora | lr-3e-2 | 1 | 1 | 60.0 | 30.0 | 25.0 | 0.2 | diverged | diverged |", md);

        json["ablations"]![0]!["published"]!["twins"] = new System.Text.Json.Nodes.JsonObject { ["sa"] = 1 };
        Assert.Contains(TinyPlan.Problems(json), p => p.Contains("'twins' is not one of the methods this ablation runs", StringComparison.Ordinal));
    }
}
