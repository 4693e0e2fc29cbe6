namespace AutoLoRa.Core.Tests;

/// <summary>
/// Tests that count what a warm call allocates on the calling thread, and so must not share the
/// process with parallel work. The CPU worker pool is shared by the process: while another test
/// holds it, a call runs its items inline, and a thread meets some paths (its first GEMM scratch,
/// its first blocking wait) in whichever call takes them first. Among parallel test classes,
/// SgemmTests' steady-state check once read 720 bytes in CI for five warm calls.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "runs alone";
}
