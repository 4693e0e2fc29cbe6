namespace AutoLoRa.Distributed.Tests;

/// <summary>Real 2-process runs on this machine through mpirun (tests/AutoLoRa.Distributed.Probe holds what each rank does).</summary>
public sealed class TwoRankTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "autolora-mpi-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [MpiFact]
    public void Collectives_give_the_exact_sums_maxima_broadcasts_and_gathers_for_odd_sizes()
    {
        var r = MpiRun.Probe(Limit, null, "collectives");
        MpiRun.AssertOk(r);
        Assert.Contains("collectives ok on rank 0", r.Output);
        Assert.Contains("collectives ok on rank 1", r.Output);
    }

    [MpiFact]
    public void Gradients_are_averaged_exactly_for_every_bucket_boundary_and_completion_order()
    {
        var r = MpiRun.Probe(Limit, null, "buckets");
        MpiRun.AssertOk(r);
        Assert.Contains("buckets ok on rank 1", r.Output);
    }

    [MpiFact]
    public void The_averaged_gradient_of_two_half_batches_is_the_whole_batch_gradient()
    {
        var r = MpiRun.Probe(Limit, null, "equivalence");
        MpiRun.AssertOk(r);
        Assert.Contains("equivalence ok on rank 0", r.Output);
    }

    [MpiFact]
    public void Both_ranks_end_a_short_autolora_fine_tune_with_identical_weights_and_rank_0_alone_writes_the_run()
    {
        Directory.CreateDirectory(_dir);
        // Compared after every step as well, so a divergence would be caught where it starts.
        var r = MpiRun.Probe(Limit, new Dictionary<string, string> { [Replicas.CheckEveryVariable] = "1" }, "finetune", _dir);
        MpiRun.AssertOk(r);
        var rank0 = File.ReadAllBytes(Path.Combine(_dir, "rank-0.bin"));
        var rank1 = File.ReadAllBytes(Path.Combine(_dir, "rank-1.bin"));
        Assert.True(rank0.Length > 0);
        Assert.True(rank0.AsSpan().SequenceEqual(rank1), "rank 1's weights or batch-norm statistics differ from rank 0's");
        string run = Path.Combine(_dir, "run");
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run, "log.jsonl")).Length);
        Assert.True(File.Exists(Path.Combine(run, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(run, "checkpoint.safetensors")));
    }

    [MpiFact]
    public void Selecting_on_the_test_set_both_ranks_see_the_same_test_accuracies_and_rank_0_alone_writes_the_chosen_epoch()
    {
        Directory.CreateDirectory(_dir);
        var r = MpiRun.Probe(Limit, null, "select-on-test", _dir);
        MpiRun.AssertOk(r);
        var rank0 = File.ReadAllLines(Path.Combine(_dir, "tested-0.txt"));
        Assert.Equal(2, rank0.Length);
        Assert.All(rank0, line => Assert.NotEqual("", line));
        Assert.Equal(rank0, File.ReadAllLines(Path.Combine(_dir, "tested-1.txt")));
        Assert.True(File.ReadAllBytes(Path.Combine(_dir, "rank-0.bin")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(_dir, "rank-1.bin"))));
        string run = Path.Combine(_dir, "run");
        Assert.All(File.ReadAllLines(Path.Combine(run, "log.jsonl")), line => Assert.Contains("TestRobustAccuracy", line));
        Assert.True(File.Exists(Path.Combine(run, "best.safetensors")));
    }

    [MpiFact]
    public void Ranks_started_with_different_settings_are_refused_before_training_naming_the_rank()
    {
        Directory.CreateDirectory(_dir);
        var r = MpiRun.Probe(Limit, null, "mismatch", _dir);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Rank 1 has other training settings than rank 0", r.Output);
        Assert.False(File.Exists(Path.Combine(_dir, "run", "log.jsonl")));
    }

    [MpiFact]
    public void A_killed_rank_stops_the_other_within_bounded_time_and_is_named()
    {
        MpiRun.AssertRank1StoppedTheJob(MpiRun.Probe(Limit, null, "die"), TimeSpan.FromSeconds(60));
    }

    [MpiFact]
    public void A_hung_rank_makes_the_other_give_up_after_the_collective_timeout_naming_the_collective()
    {
        var r = MpiRun.Probe(Limit, new Dictionary<string, string> { [Communicators.TimeoutVariable] = "3" }, "stuck");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Rank 0 of 2: the collective rank 1 never joins (collective #1) did not complete within 3 s", r.Output);
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(60), $"took {r.Elapsed}\n{r.Output}");
    }
}
