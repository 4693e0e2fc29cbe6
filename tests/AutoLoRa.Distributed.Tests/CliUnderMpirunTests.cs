using System.Text.Json;
using AutoLoRa.Cli.Tests;

namespace AutoLoRa.Distributed.Tests;

/// <summary>
/// <c>autolora</c> under mpirun, end to end: a finetune whose rank 0 alone reports and writes and
/// whose run resumes on one process; a command that does not run data-parallel is refused.
/// </summary>
public sealed class CliUnderMpirunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("autolora-mpi-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [MpiFact]
    public void A_two_rank_finetune_writes_one_run_that_a_one_process_run_resumes()
    {
        TinyMnist.Write(Path.Combine(_dir, "data"));
        string[] common = ["--data", "mnist:data", "--batch-size", "8", "--eps", "0.1", "--attack-steps", "2"];
        CliRunner.AssertOk(CliRunner.Run(_dir, ["pretrain", "--arch", "resnet-mini", "--width", "4", "--classes", "0-4", "--epochs", "1", "--run-dir", "pre", .. common]));

        string[] finetune = ["finetune", "--init", "pre/model.safetensors", "--classes", "5-9", "--run-dir", "ft", .. common];
        var parallel = MpiRun.Dll(TimeSpan.FromMinutes(3), null, _dir, "autolora.dll", [.. finetune, "--epochs", "1"]);
        MpiRun.AssertOk(parallel);
        // The header is rank 0's alone: printed once.
        Assert.Single(parallel.Output.Split('\n'), line => line.Contains("data-parallel: 2 ranks", StringComparison.Ordinal));
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "ft", "config.json"))))
            Assert.Equal(2, config.RootElement.GetProperty("ranks").GetInt32());
        Assert.Single(File.ReadAllLines(Path.Combine(_dir, "ft", "log.jsonl")));

        // The checkpoint is between epochs, so another number of ranks may continue it.
        var resumed = CliRunner.Run(_dir, [.. finetune, "--epochs", "2"]);
        CliRunner.AssertOk(resumed);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_dir, "ft", "log.jsonl")).Length);
    }

    [MpiFact]
    public void A_command_that_does_not_run_data_parallel_is_refused_on_every_rank()
    {
        var r = MpiRun.Dll(TimeSpan.FromMinutes(2), null, _dir, "autolora.dll", "inspect", "missing.safetensors");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("'inspect' does not run data-parallel (only pretrain, finetune and bench allreduce do): run it without mpirun.", r.Output);
        Assert.DoesNotContain("missing.safetensors", r.Output);
    }
}
