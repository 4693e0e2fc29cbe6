using AutoLoRa.Cli.Tests;
using AutoLoRa.Tests.Support;

namespace AutoLoRa.Distributed.Tests;

/// <summary>
/// The CUDA backend's NCCL path on 2 real mpirun ranks, through the stand-in libcuda, cuBLAS, cuDNN
/// and libnccl (kernels/standins/), so every line of our NCCL code runs without a GPU: all-reduce
/// results, a short CUDA fine-tune ending with identical weights, a dead and a hung rank, NCCL
/// missing, and more ranks than devices.
/// </summary>
public sealed class NcclStandInTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    private readonly string _dir = Directory.CreateTempSubdirectory("autolora-nccl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The stand-ins for 2 devices, and whatever else a test sets.</summary>
    internal static Dictionary<string, string> StandIns(int devices = 2, params (string Name, string Value)[] more)
    {
        var env = new Dictionary<string, string>
        {
            ["AUTOLORA_LIBCUDA"] = StandInFolder.Of("libcuda_standin.so"),
            ["AUTOLORA_LIBCUBLAS"] = StandInFolder.Of("libcublas_standin.so"),
            ["AUTOLORA_LIBCUDNN"] = StandInFolder.Of("libcudnn_standin.so"),
            [NcclLibrary.Variable] = StandInFolder.Of("libnccl_standin.so"),
            ["AUTOLORA_STANDIN_DEVICE_COUNT"] = $"{devices}",
        };
        foreach (var (name, value) in more) env[name] = value;
        return env;
    }

    [NcclFact]
    public void Nccl_all_reduce_sums_and_averages_odd_sizes_across_chunk_boundaries_and_refuses_what_nccl_documents()
    {
        var r = MpiRun.Probe(Limit, StandIns(), "nccl");
        MpiRun.AssertOk(r);
        Assert.Contains("nccl ok on rank 0", r.Output);
        Assert.Contains("nccl ok on rank 1", r.Output);
    }

    [NcclFact]
    public void A_two_rank_cuda_fine_tune_averages_gradients_over_nccl_and_ends_with_identical_weights()
    {
        TinyMnist.Write(Path.Combine(_dir, "data"));
        string[] common = ["--data", "mnist:data", "--batch-size", "8", "--eps", "0.1", "--attack-steps", "2"];
        CliRunner.AssertOk(CliRunner.Run(_dir, ["pretrain", "--arch", "resnet-mini", "--width", "4", "--classes", "0-4", "--epochs", "1", "--run-dir", "pre", .. common]));
        // Weights compared after every step: a divergence fails the run where it starts.
        var env = StandIns(more: (Replicas.CheckEveryVariable, "1"));
        var r = MpiRun.Dll(Limit, env, _dir, "autolora.dll",
            ["finetune", "--backend", "cuda", "--init", "pre/model.safetensors", "--classes", "5-9", "--epochs", "1", "--run-dir", "ft", .. common]);
        MpiRun.AssertOk(r);
        Assert.Contains("over NCCL 2.", r.Output);
        Assert.Contains("gradients on device 0", r.Output);
        Assert.True(File.Exists(Path.Combine(_dir, "ft", "model.safetensors")), r.Output);
    }

    [NcclFact]
    public void A_rank_killed_between_all_reduces_stops_the_other_naming_it()
    {
        MpiRun.AssertRank1StoppedTheJob(MpiRun.Probe(Limit, StandIns(), "nccl-die"), TimeSpan.FromSeconds(90));
    }

    [NcclFact]
    public void A_hung_rank_fails_the_all_reduce_with_nccl_remote_error_naming_it()
    {
        var r = MpiRun.Probe(Limit, StandIns(more: ("AUTOLORA_STANDIN_NCCL_TIMEOUT_S", "3")), "nccl-stuck");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("ncclRemoteError (6)", r.Output);
        Assert.Contains("rank 1 did not join within 3 s", r.Output);
        Assert.Contains("the all-reduce rank 1 never joins", r.Output);
    }

    [NcclFact]
    public void Nccl_missing_fails_every_rank_at_start_naming_the_library_and_the_variable()
    {
        var r = MpiRun.Probe(Limit, StandIns(more: (NcclLibrary.Variable, "/nonexistent/libnccl.so.2")), "nccl");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("NCCL does not load on ranks 0, 1: could not load /nonexistent/libnccl.so.2 (from AUTOLORA_LIBNCCL)", r.Output);
    }

    [NcclFact]
    public void More_ranks_than_devices_on_a_node_fails_at_start()
    {
        TinyMnist.Write(Path.Combine(_dir, "data"));
        var r = MpiRun.Dll(Limit, StandIns(devices: 1), _dir, "autolora.dll",
            ["finetune", "--backend", "cuda", "--init", "missing.safetensors", "--data", "mnist:data", "--epochs", "1"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("2 ranks run on this node but it has 1 CUDA device", r.Output);
    }
}

/// <summary>An mpirun fact over the CUDA stand-ins; skipped, with the reason, without Open MPI or without the stand-ins.</summary>
public sealed class NcclFactAttribute : FactAttribute
{
    public NcclFactAttribute() => Skip = MpiRun.MissingReason
        ?? StandInFolder.MissingReason("libcuda_standin.so", "libcublas_standin.so", "libcudnn_standin.so", "libnccl_standin.so");
}
