namespace AutoLoRa.Cuda.Interop;

// Driver API enums and constants (values from cuda.h, CUDA 12.6; unchanged 11.4 → 13.2).
// Only the members this project uses or reports are listed.

internal enum CUdevice_attribute
{
    MaxThreadsPerBlock = 1,
    MaxGridDimX = 5,
    MaxSharedMemoryPerBlock = 8,
    WarpSize = 10,
    MultiprocessorCount = 16,
    ComputeCapabilityMajor = 75,
    ComputeCapabilityMinor = 76,
    MemoryPoolsSupported = 115,
}

internal enum CUjit_option
{
    InfoLogBuffer = 3,
    InfoLogBufferSizeBytes = 4,
    ErrorLogBuffer = 5,
    ErrorLogBufferSizeBytes = 6,
}

/// <summary>CUresult values this project names itself when cuGetErrorName is unavailable.</summary>
internal static class CUresult
{
    internal const int Success = 0;
    internal const int NotReady = 600;
}

internal static class CudaDriverConstants
{
    internal const uint StreamNonBlocking = 1;
    internal const uint EventDisableTiming = 2;
}
