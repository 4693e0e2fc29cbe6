using System.Text.Json;
using AutoLoRa.Cli.Tests;

namespace AutoLoRa.Distributed.Tests;

/// <summary>
/// <c>autolora eval</c> on 2 ranks against one process: the same verdict for every point (clean and
/// after each attack), counts and bounds; rank 0 alone writes; a run whose rank is killed mid-attack
/// resumes from the saved progress, on 2 ranks or on 1, to the uninterrupted result.
/// </summary>
public sealed class EvalUnderMpirunTests() : ScratchDirectory("autolora-mpi-eval-")
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    /// <summary>A small model of classes 0-4 and a test set of 100 of their images.</summary>
    private void Prepare()
    {
        TinyMnist.Write(Path.Combine(Dir, "data"), train: 80, test: 200);
        CliRunner.AssertOk(CliRunner.Run(Dir, ["pretrain", "--arch", "resnet-mini", "--width", "4", "--classes", "0-4", "--epochs", "1", "--run-dir", "pre",
            "--data", "mnist:data", "--batch-size", "8", "--eps", "0.1", "--attack-steps", "2", "--no-autotune"]));
    }

    // Batches of 3 over 100 points: 34 batches, the last round of 2 ranks holding one (rank 1 idles there).
    private static string[] Eval(string runDir, string attacks) =>
        ["eval", "pre/model.safetensors", "--data", "mnist:data", "--classes", "0-4", "--attacks", attacks, "--eps", "0.03", "--pgd-step", "0.01",
         "--batch-size", "3", "--seed", "5", "--no-autotune", "--run-dir", runDir];

    [MpiFact]
    public void A_two_rank_evaluation_gives_every_point_the_verdict_of_one_process()
    {
        Prepare();
        const string attacks = "clean,pgd5,apgd-ce,apgd-dlr";
        // One process bound to one core, as each rank is: the comparison is about the sharding, not thread counts.
        MpiRun.AssertOk(MpiRun.Ranks(1, Limit, null, Dir, "autolora.dll", Eval("one", attacks)));
        var parallel = MpiRun.Dll(Limit, null, Dir, "autolora.dll", Eval("two", attacks));
        MpiRun.AssertOk(parallel);
        Assert.Single(parallel.Output.Split('\n'), line => line.Contains("data-parallel: 2 ranks", StringComparison.Ordinal));
        Assert.Single(parallel.Output.Split('\n'), line => line.StartsWith("report: ", StringComparison.Ordinal));

        var one = States("one");
        var two = States("two");
        Assert.Equal(2, one.Count);
        Assert.Equal(one.Keys.Order(), two.Keys.Order());
        foreach (var (name, expected) in one)
        {
            var actual = two[name];
            Assert.Equal(Flags(expected, "Clean"), Flags(actual, "Clean"));
            Assert.Equal(Flags(expected, "Robust"), Flags(actual, "Robust"));
            foreach (var field in new[] { "MaxPerturbation", "MinPixel", "MaxPixel", "NanImages", "OutOfBoundsImages" })
                Assert.Equal(expected.GetProperty(field).GetRawText(), actual.GetProperty(field).GetRawText());
            var counts = (JsonElement s) => s.GetProperty("Attacks").EnumerateArray().Select(a => (a.GetProperty("Name").GetString(), a.GetProperty("Attacked").GetInt32(), a.GetProperty("Successes").GetInt32())).ToArray();
            Assert.Equal(counts(expected), counts(actual));
        }
        // The comparison means something: points were clean, attacks broke some, and the second attack had points left.
        var aa = one.Single(s => s.Key.Contains("apgd-dlr", StringComparison.Ordinal)).Value;
        Assert.Contains(true, Flags(aa, "Clean"));
        var summaries = aa.GetProperty("Attacks").EnumerateArray().ToArray();
        Assert.True(summaries[0].GetProperty("Successes").GetInt32() > 0, aa.GetRawText());
        Assert.True(summaries[1].GetProperty("Attacked").GetInt32() > 0, aa.GetRawText());

        using var reportOne = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "one", "eval.json")));
        using var reportTwo = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "two", "eval.json")));
        foreach (var label in new[] { "PGD-5", "AutoAttack (apgd-ce+apgd-dlr)" })
        {
            foreach (var field in new[] { "Points", "CleanAccuracy", "RobustAccuracy" })
                Assert.Equal(reportOne.RootElement.GetProperty(label).GetProperty(field).GetRawText(), reportTwo.RootElement.GetProperty(label).GetProperty(field).GetRawText());
        }
    }

    [MpiFact]
    public void A_clean_only_evaluation_on_two_ranks_counts_every_point_once()
    {
        Prepare();
        MpiRun.AssertOk(MpiRun.Ranks(1, Limit, null, Dir, "autolora.dll", Eval("one", "clean")));
        MpiRun.AssertOk(MpiRun.Dll(Limit, null, Dir, "autolora.dll", Eval("two", "clean")));
        using var one = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "one", "eval.json")));
        using var two = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "two", "eval.json")));
        Assert.Equal(100, two.RootElement.GetProperty("points").GetInt32());
        Assert.Equal(one.RootElement.GetProperty("clean").GetRawText(), two.RootElement.GetProperty("clean").GetRawText());
    }

    [MpiFact]
    public void An_evaluation_whose_rank_is_killed_mid_attack_resumes_on_two_ranks_or_one_to_the_uninterrupted_result()
    {
        Prepare();
        const string attacks = "apgd-ce,apgd-dlr";
        MpiRun.AssertOk(MpiRun.Ranks(1, Limit, null, Dir, "autolora.dll", Eval("whole", attacks)));
        var whole = States("whole").Single().Value;

        string killed = Path.Combine(Dir, "killed");
        using (var job = MpiRun.Start(null, Dir, "autolora.dll", Eval("killed", attacks)))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // Saved after a round of apgd-ce with points of it left: the middle of an attack.
            while (!MidAttack(killed))
            {
                Assert.True(clock.Elapsed < Limit, "the evaluation never reached the middle of apgd-ce");
                Thread.Sleep(20);
            }
            var rank1 = job.Rank(1);
            Assert.NotNull(rank1);
            rank1.Kill();
            var result = job.Finish(TimeSpan.FromMinutes(2), clock);
            Assert.NotEqual(0, result.ExitCode);
            Assert.False(File.Exists(Path.Combine(killed, "eval.json")), result.Output);
        }
        var (stateFile, atKill) = States("killed").Single();
        Assert.Equal(JsonValueKind.Array, atKill.GetProperty("Pending").ValueKind);
        string copy = Path.Combine(Dir, "killed-one");
        Directory.CreateDirectory(copy);
        File.Copy(Path.Combine(killed, stateFile), Path.Combine(copy, stateFile));

        foreach (var (dir, ranks) in new[] { ("killed", 2), ("killed-one", 1) })
        {
            var resumed = MpiRun.Ranks(ranks, Limit, null, Dir, "autolora.dll", Eval(dir, attacks));
            MpiRun.AssertOk(resumed);
            Assert.Contains("resumed from saved state", resumed.Output);
            var state = States(dir).Single().Value;
            Assert.Equal(Flags(whole, "Robust"), Flags(state, "Robust"));
            var counts = (JsonElement s) => s.GetProperty("Attacks").EnumerateArray().Select(a => (a.GetProperty("Attacked").GetInt32(), a.GetProperty("Successes").GetInt32())).ToArray();
            Assert.Equal(counts(whole), counts(state));
        }
    }

    private static bool MidAttack(string dir)
    {
        if (!Directory.Exists(dir)) return false;
        foreach (var file in Directory.EnumerateFiles(dir, "state-*.json"))
        {
            try
            {
                using var json = JsonDocument.Parse(File.ReadAllText(file));
                var root = json.RootElement;
                var attacks = root.GetProperty("Attacks");
                if (attacks.GetArrayLength() == 1 && attacks[0].GetProperty("Attacked").GetInt32() > 0 &&
                    root.GetProperty("Pending").ValueKind == JsonValueKind.Array && root.GetProperty("Pending").GetArrayLength() > 0)
                    return true;
            }
            catch (IOException)
            {
                // Replaced while read: look again.
            }
        }
        return false;
    }

    /// <summary>The run directory's saved evaluation states, by file name.</summary>
    private Dictionary<string, JsonElement> States(string runDir) =>
        Directory.EnumerateFiles(Path.Combine(Dir, runDir), "state-*.json")
            .ToDictionary(f => Path.GetFileName(f), f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone());

    private static bool[] Flags(JsonElement state, string name) => [.. state.GetProperty(name).EnumerateArray().Select(e => e.GetBoolean())];
}
