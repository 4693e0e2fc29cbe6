using AutoLoRa.Cpu;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Verify;

namespace AutoLoRa.Cuda.StandIn.Tests;

/// <summary>
/// The verification table with every queued stream item held back: device work that NativeRuntime
/// does not order before the host reads its result then shows up as stale data, as on a GPU.
/// Today NativeRuntime queues everything on one stream and copies to pageable host memory (which
/// the driver completes before returning), so this guards the day a second stream or pinned
/// buffers arrive. Every fifth case, to keep the suite's time (each item waits 1 ms).
/// </summary>
[Trait("Backend", "cuda-standin")]
[Collection(StandInStateCollection.Name)]
public sealed class DeferredStreamTests
{
    [SkippableStandInFact]
    public void Verification_cases_pass_when_stream_work_runs_late()
    {
        using var backend = new CudaBackend(new NativeRuntime());
        using var cpu = new CpuBackend();
        var runner = new CaseRunner(backend, cpu);
        StandInMachine.Set("stream_delay_ms", 1);
        try
        {
            var failures = VerificationTable.All.Where((_, i) => i % 5 == 0).Select(c => (c.Name, Outcome: runner.Check(c)))
                .Where(r => !r.Outcome.Passed).Select(r => $"{r.Name}: {r.Outcome.Detail}").ToArray();
            Assert.True(failures.Length == 0, string.Join("\n", failures));
        }
        finally
        {
            StandInMachine.Set("stream_delay_ms", 0);
        }
    }
}
