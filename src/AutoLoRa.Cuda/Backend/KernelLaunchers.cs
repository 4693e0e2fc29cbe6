using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cuda;

/// <summary>
/// One typed method per kernel the backend launches, generated from kernels/*.cu: the parameters
/// are the kernel's, in its order, as ulong (device pointer), int, uint or float, so the C#
/// compiler checks every launch site against the .cu declaration. This half holds the launch
/// policy the generated methods share (the shapes named by <c>// @launch</c>, kernels/README.md):
/// block <see cref="BlockSize"/>, and grids capped at 32 blocks per SM because every kernel is a
/// grid-stride loop, so more blocks only add scheduling cost.
/// </summary>
internal sealed unsafe partial class KernelLaunchers(IDeviceRuntime runtime)
{
    /// <summary>Threads per block for every shape but <c>caller</c>.</summary>
    public const uint BlockSize = 256;

    /// <summary>Blocks for a grid-stride loop over <paramref name="threads"/> threads: at least 1, at most 32 per SM.</summary>
    public uint Grid(long threads) => (uint)Math.Clamp((threads + BlockSize - 1) / BlockSize, 1, 32L * runtime.MultiprocessorCount);

    /// <summary>
    /// Threads for a kernel built on autolora_stream (kernels/autolora_cuda.cuh): each moves a float4
    /// quad per loop step, so a quarter of the elements keeps every thread busy.
    /// </summary>
    public static long StreamingThreads(long elements) => (elements + 3) / 4;

    // @launch stream / threads / warps: a grid-stride loop over that many threads.
    private void LaunchThreads(string kernel, long threads, void** args) =>
        runtime.Launch(kernel, new Dim3(Grid(threads)), new Dim3(BlockSize), 0, args);

    // @launch blocks: one block per item up to the 1-D grid limit of 65535; the kernel strides past it.
    private void LaunchBlocks(string kernel, long blocks, void** args) =>
        runtime.Launch(kernel, new Dim3((uint)Math.Min(blocks, 65535)), new Dim3(BlockSize), 0, args);

    // @launch caller: the launch site chose the shape.
    private void LaunchShaped(string kernel, Dim3 grid, Dim3 block, uint sharedBytes, void** args) =>
        runtime.Launch(kernel, grid, block, sharedBytes, args);
}
