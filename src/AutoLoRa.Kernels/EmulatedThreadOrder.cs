namespace AutoLoRa.Kernels;

/// <summary>The turn order of a block's threads in the host emulation (<see cref="HostKernelLibrary.SetThreadOrder"/>).</summary>
public enum EmulatedThreadOrder
{
    /// <summary>Thread 0 first (the default).</summary>
    Forward = 0,

    /// <summary>The last thread first.</summary>
    Reverse = 1,

    /// <summary>A shuffle drawn from the seed and the block's index.</summary>
    Shuffled = 2,
}
