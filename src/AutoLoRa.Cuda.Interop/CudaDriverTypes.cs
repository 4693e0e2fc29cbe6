namespace AutoLoRa.Cuda.Interop;

// Driver API enums and constants (values from cuda.h, CUDA 12.6; unchanged 11.4 → 13.2).
// Only the members this project uses or reports are listed.

public enum CUdevice_attribute
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

public enum CUjit_option
{
    InfoLogBuffer = 3,
    InfoLogBufferSizeBytes = 4,
    ErrorLogBuffer = 5,
    ErrorLogBufferSizeBytes = 6,
}

/// <summary>CUresult values this project names itself when cuGetErrorName is unavailable.</summary>
public static class CUresult
{
    public const int Success = 0;
    public const int NotReady = 600;
}

public static class CudaDriverConstants
{
    public const uint StreamNonBlocking = 1;
    public const uint EventDisableTiming = 2;
}
