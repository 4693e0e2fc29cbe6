using System.CommandLine;
using AutoLoRa.Cli.Bench;
using AutoLoRa.Cli.Options;
using AutoLoRa.Cpu;
using AutoLoRa.Distributed;
using AutoLoRa.Distributed.Cuda;
using AutoLoRa.Training.Workloads;

namespace AutoLoRa.Cli.Commands;

/// <summary><c>autolora bench …</c>: performance measurements (never part of the test suite).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measures performance: GEMM and convolution throughput, whole training/inference steps and the LoRA overhead.");
        command.Subcommands.Add(CreateGemm());
        command.Subcommands.Add(CreateStep());
        command.Subcommands.Add(CreateOverhead());
        command.Subcommands.Add(CreateConv());
        command.Subcommands.Add(CreateKernels());
        command.Subcommands.Add(CreateAllReduce());
        return command;
    }

    private static Command CreateStep()
    {
        var workload = new Option<string>("--workload") { Description = $"{string.Join(", ", BenchmarkWorkload.All.Select(w => w.Name))} (shared/WORKLOADS.md).", DefaultValueFactory = _ => "r18w16-b64" };
        var step = new Option<string>("--step") { Description = "autolora, vanilla (TRADES) or infer.", DefaultValueFactory = _ => "autolora" };
        var steps = new Option<int>("--steps") { Description = "Timed steps (min/median/max are reported).", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first.", DefaultValueFactory = _ => 2 };
        var json = new Option<bool>("--json") { Description = "Print one JSON line." };
        var profile = new Option<bool>("--profile") { Description = "Also print the time per primitive (attack vs training) and per layer of the timed steps." };
        var ranks = new Option<int?>(MpirunRelaunch.RanksOption)
        {
            Description = "Time the step as one replica of an N-rank data-parallel run on this machine: starts this command under Open MPI's mpirun -np N (the same as typing the mpirun line) and adds the share of a step spent waiting on the gradients' all-reduce.",
        };
        var backendOptions = new BackendOptions();
        var command = new Command("step", "Times one AutoLoRa, vanilla or inference step of a benchmark workload; under mpirun (or with --ranks), as one replica of a data-parallel run, with the share spent waiting on the gradients' all-reduce.")
        {
            workload, step, steps, warmup, json, profile, ranks,
        };
        backendOptions.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            bool underMpirun = MpiLaunch.IsMultiRank(Environment.GetEnvironmentVariable);
            if (r.GetValue(ranks) is int wanted)
            {
                if (wanted < 1) throw new ArgumentException($"{MpirunRelaunch.RanksOption} must be at least 1 (got {wanted}).");
                if (underMpirun) throw new ArgumentException($"{MpirunRelaunch.RanksOption} starts mpirun itself; under mpirun leave it out (-np sets the ranks).");
                if (wanted > 1) return MpirunRelaunch.Run(wanted);
            }
            var replicas = Communicators.FromEnvironment();
            using var backend = backendOptions.Create(r, replicas.IsRoot ? Console.Error : TextWriter.Null);
            // On the native CUDA backend the replicas average on the device by NCCL, as finetune does.
            replicas = NcclCommunicator.Over(replicas, backend, Communicators.ConfiguredTimeout());
            int exit = StepBench.Run(backend, r.GetValue(workload)!, r.GetValue(step)!, r.GetValue(steps), r.GetValue(warmup), r.GetValue(json), r.GetValue(profile),
                replicas.IsRoot ? Console.Out : TextWriter.Null, replicas);
            if (exit == 0) replicas.Finish();
            return exit;
        }));
        return command;
    }

    private static Command CreateOverhead()
    {
        var workload = new Option<string>("--workload") { Description = $"{string.Join(", ", BenchmarkWorkload.All.Select(w => w.Name))} (shared/WORKLOADS.md).", DefaultValueFactory = _ => "r18w16-b64" };
        var steps = new Option<int>("--steps") { Description = "Timed rounds; each runs one step of each method, alternating (the overhead is the median of the rounds' ratios).", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed rounds first.", DefaultValueFactory = _ => 2 };
        var backendOptions = new BackendOptions();
        var command = new Command("overhead", "LoRA overhead: AutoLoRa step ÷ vanilla step on one workload, with the merge and its backward timed.") { workload, steps, warmup };
        backendOptions.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            using var backend = backendOptions.Create(r, Console.Error);
            return OverheadBench.Run(backend, r.GetValue(workload)!, r.GetValue(steps), r.GetValue(warmup), Console.Out);
        }));
        return command;
    }

    private static Command CreateConv()
    {
        var candidates = new Option<bool>("--candidates") { Description = "CPU: also time every algorithm that can run each pass, side by side in this process." };
        var workload = new Option<string>("--workload") { Description = "r18w16-b64 or r18-b32: whose ResNet-18 convolutions to time.", DefaultValueFactory = _ => "r18w16-b64" };
        var reps = new Option<int>("--reps") { Description = "Timed repetitions per primitive (the median is reported).", DefaultValueFactory = _ => 5 };
        var layers = new Option<string[]>("--layer") { Description = "Time only these layers (names as printed, e.g. layer2.0a; repeatable). Default: every layer.", AllowMultipleArgumentsPerToken = true };
        var backendOptions = new BackendOptions();
        var command = new Command("conv", "GFLOP/s of every distinct ResNet-18 convolution of a workload: forward, data and filter gradients.") { workload, reps };
        backendOptions.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            using var backend = backendOptions.Create(r, Console.Error);
            return ConvBench.Run(backend, r.GetValue(workload)!, r.GetValue(reps), r.GetValue(candidates), r.GetValue(layers) ?? [], Console.Out);
        }));
        command.Options.Add(candidates);
        command.Options.Add(layers);
        return command;
    }

    // A bench-only option until the shared backend options (--backend, --precision) take it for every verb.
    private static Command CreateKernels()
    {
        var size = new Option<int>("--size") { Description = "Elements per array (NCHW kernels round up to whole 64×32×32 images).", DefaultValueFactory = _ => KernelBench.DefaultSize };
        var reps = new Option<int>("--reps") { Description = "Timed calls per kernel (the median is reported).", DefaultValueFactory = _ => 21 };
        var json = new Option<bool>("--json") { Description = "Print one JSON line per kernel." };
        var backendOptions = new BackendOptions();
        var command = new Command("kernels", "Achieved GB/s of each of our CUDA kernels (not cuBLAS/cuDNN), from the bytes each must move; --backend cuda or cuda-emu.")
        {
            size, reps, json,
        };
        backendOptions.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            using var backend = backendOptions.Create(r, Console.Error);
            return KernelBench.Run(backend, r.GetValue(size), r.GetValue(reps), r.GetValue(json), Console.Out, Console.Error);
        }));
        return command;
    }

    private static Command CreateAllReduce()
    {
        var minBytes = new Option<long>("--min-bytes") { Description = "Smallest message (bytes of float32).", DefaultValueFactory = _ => 4 };
        var maxBytes = new Option<long>("--max-bytes") { Description = "Largest message.", DefaultValueFactory = _ => 64L << 20 };
        var factor = new Option<int>("--factor") { Description = "Each size is the previous times this.", DefaultValueFactory = _ => 4 };
        var iterations = new Option<int>("--iters") { Description = "Timed all-reduces per size (their mean is reported).", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed all-reduces per size first.", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print one JSON line per size." };
        var command = new Command("allreduce", "Under mpirun: checks the float all-reduce that averages gradients, then its algorithm and bus bandwidth per size (as nccl-tests defines them).")
        {
            minBytes, maxBytes, factor, iterations, warmup, json,
        };
        command.SetAction(r => CliError.Guard(() =>
        {
            var replicas = Communicators.FromEnvironment();
            int exit = AllReduceBench.Run(replicas, r.GetValue(minBytes), r.GetValue(maxBytes), r.GetValue(factor), r.GetValue(iterations), r.GetValue(warmup), r.GetValue(json), Console.Out);
            if (exit == 0) replicas.Finish();
            return exit;
        }));
        return command;
    }

    private static Command CreateGemm()
    {
        var m = new Option<int>("--m") { Description = "Rows of A and C.", DefaultValueFactory = _ => 1024 };
        var n = new Option<int>("--n") { Description = "Columns of B and C.", DefaultValueFactory = _ => 1024 };
        var k = new Option<int>("--k") { Description = "Inner dimension.", DefaultValueFactory = _ => 1024 };
        var reps = new Option<int>("--reps") { Description = "Timed repetitions (the median is reported).", DefaultValueFactory = _ => 11 };
        var json = new Option<bool>("--json") { Description = "Print one JSON line instead of a table." };
        var openBlas = new Option<bool>("--compare-openblas") { Description = "Also time OpenBLAS's cblas_sgemm (libopenblas.so.0) in the same run, alternating call by call with ours, each call after a 0.25 s pause that lets the other library's threads go idle; the ratio is the median of the rounds' ratios." };
        var command = new Command("gemm", "Single-precision GEMM throughput of the CPU backend, optionally against OpenBLAS.")
        {
            m, n, k, reps, json, openBlas,
        };
        command.SetAction(r =>
        {
            foreach (var option in new[] { m, n, k, reps })
            {
                if (r.GetValue(option) < 1) return CliError.Report($"{option.Name} must be at least 1 (got {r.GetValue(option)}).");
            }
            return GemmBench.Run(r.GetValue(m), r.GetValue(n), r.GetValue(k), r.GetValue(reps), r.GetValue(json), r.GetValue(openBlas), Console.Out);
        });
        return command;
    }
}
