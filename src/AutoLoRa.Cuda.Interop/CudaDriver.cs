using System.Runtime.InteropServices;

namespace AutoLoRa.Cuda.Interop;

/// <summary>
/// CUDA driver API (libcuda.so.1 / nvcuda.dll). Declarations only. Entry points are the symbols
/// cuda.h maps to (the <c>_v2</c> exports for memory, stream and event calls; the un-suffixed
/// exports of those are the legacy 32-bit-size ABI). CUdeviceptr is <c>ulong</c>, size_t is
/// <c>nuint</c>, every handle is <c>nint</c>, every function returns CUresult as <c>int</c>.
/// </summary>
public static unsafe partial class CudaDriver
{
    public const string Library = "autolora-cuda-driver";

    [LibraryImport(Library, EntryPoint = "cuInit")]
    public static partial int cuInit(uint flags);

    [LibraryImport(Library, EntryPoint = "cuDriverGetVersion")]
    public static partial int cuDriverGetVersion(int* driverVersion);

    [LibraryImport(Library, EntryPoint = "cuDeviceGetCount")]
    public static partial int cuDeviceGetCount(int* count);

    [LibraryImport(Library, EntryPoint = "cuDeviceGet")]
    public static partial int cuDeviceGet(int* device, int ordinal);

    [LibraryImport(Library, EntryPoint = "cuDeviceGetName")]
    public static partial int cuDeviceGetName(byte* name, int length, int device);

    [LibraryImport(Library, EntryPoint = "cuDeviceGetAttribute")]
    public static partial int cuDeviceGetAttribute(int* value, CUdevice_attribute attribute, int device);

    [LibraryImport(Library, EntryPoint = "cuDeviceTotalMem_v2")]
    public static partial int cuDeviceTotalMem(nuint* bytes, int device);

    [LibraryImport(Library, EntryPoint = "cuDevicePrimaryCtxRetain")]
    public static partial int cuDevicePrimaryCtxRetain(nint* context, int device);

    [LibraryImport(Library, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
    public static partial int cuDevicePrimaryCtxRelease(int device);

    [LibraryImport(Library, EntryPoint = "cuCtxSetCurrent")]
    public static partial int cuCtxSetCurrent(nint context);

    [LibraryImport(Library, EntryPoint = "cuCtxGetCurrent")]
    public static partial int cuCtxGetCurrent(nint* context);

    [LibraryImport(Library, EntryPoint = "cuCtxSynchronize")]
    public static partial int cuCtxSynchronize();

    [LibraryImport(Library, EntryPoint = "cuStreamCreate")]
    public static partial int cuStreamCreate(nint* stream, uint flags);

    [LibraryImport(Library, EntryPoint = "cuStreamSynchronize")]
    public static partial int cuStreamSynchronize(nint stream);

    [LibraryImport(Library, EntryPoint = "cuStreamQuery")]
    public static partial int cuStreamQuery(nint stream);

    [LibraryImport(Library, EntryPoint = "cuStreamWaitEvent")]
    public static partial int cuStreamWaitEvent(nint stream, nint cuEvent, uint flags);

    [LibraryImport(Library, EntryPoint = "cuStreamDestroy_v2")]
    public static partial int cuStreamDestroy(nint stream);

    [LibraryImport(Library, EntryPoint = "cuEventCreate")]
    public static partial int cuEventCreate(nint* cuEvent, uint flags);

    [LibraryImport(Library, EntryPoint = "cuEventRecord")]
    public static partial int cuEventRecord(nint cuEvent, nint stream);

    [LibraryImport(Library, EntryPoint = "cuEventSynchronize")]
    public static partial int cuEventSynchronize(nint cuEvent);

    [LibraryImport(Library, EntryPoint = "cuEventQuery")]
    public static partial int cuEventQuery(nint cuEvent);

    [LibraryImport(Library, EntryPoint = "cuEventElapsedTime")]
    public static partial int cuEventElapsedTime(float* milliseconds, nint start, nint end);

    [LibraryImport(Library, EntryPoint = "cuEventDestroy_v2")]
    public static partial int cuEventDestroy(nint cuEvent);

    [LibraryImport(Library, EntryPoint = "cuMemAlloc_v2")]
    public static partial int cuMemAlloc(ulong* devicePtr, nuint bytes);

    [LibraryImport(Library, EntryPoint = "cuMemFree_v2")]
    public static partial int cuMemFree(ulong devicePtr);

    [LibraryImport(Library, EntryPoint = "cuMemGetInfo_v2")]
    public static partial int cuMemGetInfo(nuint* free, nuint* total);

    [LibraryImport(Library, EntryPoint = "cuMemAllocAsync")]
    public static partial int cuMemAllocAsync(ulong* devicePtr, nuint bytes, nint stream);

    [LibraryImport(Library, EntryPoint = "cuMemFreeAsync")]
    public static partial int cuMemFreeAsync(ulong devicePtr, nint stream);

    [LibraryImport(Library, EntryPoint = "cuMemcpyHtoD_v2")]
    public static partial int cuMemcpyHtoD(ulong dst, void* src, nuint bytes);

    [LibraryImport(Library, EntryPoint = "cuMemcpyDtoH_v2")]
    public static partial int cuMemcpyDtoH(void* dst, ulong src, nuint bytes);

    [LibraryImport(Library, EntryPoint = "cuMemcpyDtoD_v2")]
    public static partial int cuMemcpyDtoD(ulong dst, ulong src, nuint bytes);

    [LibraryImport(Library, EntryPoint = "cuMemcpyHtoDAsync_v2")]
    public static partial int cuMemcpyHtoDAsync(ulong dst, void* src, nuint bytes, nint stream);

    [LibraryImport(Library, EntryPoint = "cuMemcpyDtoHAsync_v2")]
    public static partial int cuMemcpyDtoHAsync(void* dst, ulong src, nuint bytes, nint stream);

    [LibraryImport(Library, EntryPoint = "cuMemcpyDtoDAsync_v2")]
    public static partial int cuMemcpyDtoDAsync(ulong dst, ulong src, nuint bytes, nint stream);

    [LibraryImport(Library, EntryPoint = "cuMemsetD8_v2")]
    public static partial int cuMemsetD8(ulong dst, byte value, nuint count);

    [LibraryImport(Library, EntryPoint = "cuMemsetD32_v2")]
    public static partial int cuMemsetD32(ulong dst, uint value, nuint count);

    [LibraryImport(Library, EntryPoint = "cuMemsetD8Async")]
    public static partial int cuMemsetD8Async(ulong dst, byte value, nuint count, nint stream);

    [LibraryImport(Library, EntryPoint = "cuMemsetD32Async")]
    public static partial int cuMemsetD32Async(ulong dst, uint value, nuint count, nint stream);

    [LibraryImport(Library, EntryPoint = "cuModuleLoadData")]
    public static partial int cuModuleLoadData(nint* module, void* image);

    [LibraryImport(Library, EntryPoint = "cuModuleLoadDataEx")]
    public static partial int cuModuleLoadDataEx(nint* module, void* image, uint numOptions, CUjit_option* options, void** optionValues);

    [LibraryImport(Library, EntryPoint = "cuModuleGetFunction")]
    public static partial int cuModuleGetFunction(nint* function, nint module, byte* name);

    [LibraryImport(Library, EntryPoint = "cuModuleUnload")]
    public static partial int cuModuleUnload(nint module);

    [LibraryImport(Library, EntryPoint = "cuLaunchKernel")]
    public static partial int cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ, uint sharedMemBytes, nint stream, void** kernelParams, void** extra);

    /// <summary>*name receives a static library-owned string (never free it).</summary>
    [LibraryImport(Library, EntryPoint = "cuGetErrorName")]
    public static partial int cuGetErrorName(int error, byte** name);

    [LibraryImport(Library, EntryPoint = "cuGetErrorString")]
    public static partial int cuGetErrorString(int error, byte** text);
}
