using System.Text.Json.Nodes;
using static AutoLoRa.Cli.Tests.CliRunner;

namespace AutoLoRa.Cli.Tests;

/// <summary>select-on test is a reproduction plan's key alone, and reproduce warns whenever a plan uses it.</summary>
public sealed class SelectOnCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("autolora-select-on-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Reproduce_warns_about_test_selected_cells_and_finetune_has_no_such_flag()
    {
        TinyMnist.Write(Path.Combine(_root, "mnist"));
        var plan = ReproduceCliTests.Workspace.Plan();
        plan["ablations"] = new JsonArray(new JsonObject { ["name"] = "on-test", ["settings"] = new JsonObject { ["select-on"] = "test" } });
        File.WriteAllText(Path.Combine(_root, "plan.json"), plan.ToJsonString());
        var dry = Run(_root, "reproduce", "plan.json", "--out", "dry", "--dry-run");
        AssertOk(dry);
        Assert.Contains("warning: 2 of 4 cells: select-on test: the best checkpoint is chosen by its PGD accuracy on the test set", dry.Output);

        File.WriteAllText(Path.Combine(_root, "plain.json"), ReproduceCliTests.Workspace.Plan().ToJsonString());
        var plain = Run(_root, "reproduce", "plain.json", "--out", "plain", "--dry-run");
        AssertOk(plain);
        Assert.DoesNotContain("warning:", plain.Output);

        var finetune = Run(_root, "finetune", "--init", "none.safetensors", "--select-on", "test");
        Assert.Equal(2, finetune.ExitCode);
        Assert.Contains("--select-on", finetune.Error);
    }
}
