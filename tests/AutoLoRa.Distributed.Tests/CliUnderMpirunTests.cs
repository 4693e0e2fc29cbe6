using System.Text.Json;
using AutoLoRa.Cli.Tests;

namespace AutoLoRa.Distributed.Tests;

/// <summary>
/// <c>autolora</c> under mpirun, end to end: a finetune whose rank 0 alone reports and writes and
/// whose run resumes on one process; a run that resumes after one rank is killed with SIGKILL; a
/// command that does not run data-parallel is refused.
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
    public void A_run_whose_rank_is_killed_mid_epoch_resumes_from_its_last_checkpoint_to_the_uninterrupted_result()
    {
        TinyMnist.Write(Path.Combine(_dir, "data"));
        string[] common = ["--data", "mnist:data", "--batch-size", "8", "--eps", "0.1", "--attack-steps", "2"];
        CliRunner.AssertOk(CliRunner.Run(_dir, ["pretrain", "--arch", "resnet-mini", "--width", "4", "--classes", "0-4", "--epochs", "1", "--run-dir", "pre", .. common]));
        const int epochs = 6;
        string[] Finetune(string runDir) => ["finetune", "--init", "pre/model.safetensors", "--classes", "5-9", "--epochs", $"{epochs}", "--run-dir", runDir, .. common];
        string log = Path.Combine(_dir, "killed", "log.jsonl");

        string[] logAtKill;
        using (var job = MpiRun.Start(null, _dir, "autolora.dll", Finetune("killed")))
        {
            // The log is written after the checkpoint, so one line means a checkpoint to resume from.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!(File.Exists(log) && File.ReadAllLines(log).Length > 0))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "the first epoch never ended");
                Thread.Sleep(50);
            }
            var rank1 = job.Rank(1);
            Assert.NotNull(rank1);
            rank1.Kill(); // SIGKILL: no handler, no finally block runs on that rank
            var killed = job.Finish(TimeSpan.FromMinutes(2), clock);
            logAtKill = File.ReadAllLines(log);
            Assert.NotEqual(0, killed.ExitCode);
            Assert.True(logAtKill.Length < epochs, $"the run ended before the kill:\n{killed.Output}");
            Assert.False(File.Exists(Path.Combine(_dir, "killed", "model.safetensors")));
        }

        var resumed = MpiRun.Dll(TimeSpan.FromMinutes(3), null, _dir, "autolora.dll", Finetune("killed"));
        MpiRun.AssertOk(resumed);
        MpiRun.AssertOk(MpiRun.Dll(TimeSpan.FromMinutes(3), null, _dir, "autolora.dll", Finetune("whole")));
        var logAfter = File.ReadAllLines(log);
        Assert.Equal(epochs, logAfter.Length);
        // The epochs done before the kill were not run again: their lines (wall times included) are the checkpoint's.
        Assert.Equal(logAtKill, logAfter[..logAtKill.Length]);
        // Batches, attacks and their randomness are functions of (seed, epoch, batch), and the checkpoint
        // holds the weights, optimizer state and schedule: the resumed run is the uninterrupted one.
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "whole", "model.safetensors")), File.ReadAllBytes(Path.Combine(_dir, "killed", "model.safetensors")));
    }

    [MpiFact]
    public void A_command_that_does_not_run_data_parallel_is_refused_on_every_rank()
    {
        var r = MpiRun.Dll(TimeSpan.FromMinutes(2), null, _dir, "autolora.dll", "inspect", "missing.safetensors");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("'inspect' does not run data-parallel (only pretrain, finetune, eval, reproduce, bench step and bench allreduce do): run it without mpirun.", r.Output);
        Assert.DoesNotContain("missing.safetensors", r.Output);
    }
}
