using System.Text.Json.Nodes;
using static AutoLoRa.Cli.Tests.CliRunner;

namespace AutoLoRa.Cli.Tests;

/// <summary><c>autolora reproduce</c> end to end: a two-cell plan on tiny data runs, writes its tables and plots, and a rerun redoes nothing.</summary>
public sealed class ReproduceCliTests : IClassFixture<ReproduceCliTests.Workspace>
{
    private readonly Workspace _w;

    public ReproduceCliTests(Workspace workspace) => _w = workspace;

    /// <summary>Tiny MNIST-format data, a two-cell plan (pre-train, then AutoLoRa and vanilla RFT), and its first run.</summary>
    public sealed class Workspace : IDisposable
    {
        public Workspace()
        {
            TinyMnist.Write(Path.Combine(Root, "mnist"));
            File.WriteAllText(Path.Combine(Root, "plan.json"), Plan().ToJsonString());
            First = CliRunner.Run(Root, "reproduce", "plan.json", "--out", "out", "--backend", "cpu");
        }

        public string Root { get; } = Directory.CreateTempSubdirectory("autolora-reproduce-").FullName;

        public string Out => Path.Combine(Root, "out");

        public CliRunner.Result First { get; }

        public static JsonObject Plan() => new()
        {
            ["name"] = "tiny",
            ["epsilon"] = 0.1,
            ["settings"] = new JsonObject { ["epochs"] = 1, ["batch-size"] = 16, ["attack-steps"] = 2, ["validation-steps"] = 2, ["scalar-probe-size"] = 20 },
            ["evaluation"] = new JsonObject { ["pgd-steps"] = 3, ["test-images"] = 20, ["autoattack-images"] = 4 },
            ["datasets"] = new JsonArray(new JsonObject { ["name"] = "mnist-5-9", ["data"] = "mnist:mnist", ["classes"] = "5-9" }),
            ["models"] = new JsonArray(new JsonObject
            {
                ["name"] = "mini4",
                ["pretrain"] = new JsonObject
                {
                    ["data"] = "mnist:mnist", ["classes"] = "0-4", ["arch"] = "resnet-mini", ["width"] = 4,
                    ["settings"] = new JsonObject { ["epochs"] = 1, ["batch-size"] = 16, ["attack-steps"] = 2, ["validation-steps"] = 2 },
                },
            }),
            ["methods"] = new JsonArray("autolora", "vanilla"),
        };

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    private CliRunner.Result Run(params string[] args) => CliRunner.Run(_w.Root, args);

    [Fact]
    public void TwoCellPlanWritesTablesAndPlotsThenResumesWithNothingToDo()
    {
        AssertOk(_w.First);
        Assert.Contains("cell 1/2 mnist-5-9.mini4.autolora.default.s1: starting", _w.First.Output);
        Assert.Contains("cell 2/2 mnist-5-9.mini4.vanilla.default.s1: starting", _w.First.Output);
        Assert.Contains("pretrain mini4 (PGD-AT) epoch 1", _w.First.Output);

        var csv = File.ReadAllLines(Path.Combine(_w.Out, "results.csv"));
        Assert.Equal(3, csv.Length);
        Assert.StartsWith("mnist-5-9,mini4,autolora,default,1,1,", csv[1]);
        Assert.StartsWith("mnist-5-9,mini4,vanilla,default,1,1,", csv[2]);
        string md = File.ReadAllText(Path.Combine(_w.Out, "results.md"));
        Assert.Contains("2 of 2 cells finished.", md);
        Assert.Contains("| mnist-5-9 | mini4 | vanilla | default | 1 | 1 |", md);
        foreach (var png in new[] { "accuracy.png", "trajectories.png" })
        {
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(_w.Out, png))[..4]);
        }

        var again = Run("reproduce", "plan.json", "--out", "out", "--backend", "cpu");
        AssertOk(again);
        Assert.Contains("2 finished, 0 trained, 0 half-trained, 0 not started", again.Output);
        Assert.Contains("cell 2/2 mnist-5-9.mini4.vanilla.default.s1: finished earlier, skipped", again.Output);
        Assert.DoesNotContain("epoch 1", again.Output);
        Assert.Equal(csv, File.ReadAllLines(Path.Combine(_w.Out, "results.csv")));
    }

    [Fact]
    public void DryRunListsCellsWithoutRunning()
    {
        var plan = Workspace.Plan();
        plan["seeds"] = new JsonArray(1, 2);
        File.WriteAllText(Path.Combine(_w.Root, "two-seeds.json"), plan.ToJsonString());
        var r = Run("reproduce", "two-seeds.json", "--out", "dry", "--dry-run");
        AssertOk(r);
        Assert.Contains("4 cells", r.Output);
        Assert.Contains("mnist-5-9.mini4.vanilla.default.s2", r.Output);
        Assert.False(Directory.Exists(Path.Combine(_w.Root, "dry")));
    }

    [Fact]
    public void PlanProblemsAreListedTogetherWithExitCode2()
    {
        var plan = Workspace.Plan();
        plan["methods"] = new JsonArray("autolora", "bogus");
        plan["settings"]!["lr-milestone"] = 3;
        plan["datasets"]![0]!["data"] = "mnist:no-such-dir";
        File.WriteAllText(Path.Combine(_w.Root, "bad.json"), plan.ToJsonString());
        var r = Run("reproduce", "bad.json");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bad.json has 3 problems", r.Error);
        Assert.Contains("methods[1]: method 'bogus' is unknown", r.Error);
        Assert.Contains("settings.lr-milestone: unknown setting", r.Error);
        Assert.Contains("no-such-dir: directory not found", r.Error);
        Assert.DoesNotContain("   at ", r.All);
    }

    [Fact]
    public void BuiltInPlansAreListedAndChecked()
    {
        var list = Run("reproduce", "--list-plans");
        AssertOk(list);
        Assert.Contains("fashion-mnist: ", list.Output);
        Assert.Contains("paper-cifar: ", list.Output);
        Assert.Contains("paper-lr-sensitivity: ", list.Output);
        Assert.Contains("needs the environment variables CIFAR10_DIR, CIFAR100_DIR, AUTOLORA_RESNET18", list.Output);

        // The embedded plan (on the installed Fashion-MNIST) is valid.
        var dry = Run("reproduce", "fashion-mnist", "--dry-run", "--out", "fm-dry");
        AssertOk(dry);
        Assert.Contains("plan fashion-mnist: 12 cells", dry.Output);

        var unknown = Run("reproduce", "no-such-plan");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("no built-in plan of that name (built-in: fashion-mnist, paper-cifar, paper-lr-sensitivity)", unknown.Error);
    }
}
