using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoLoRa.Distributed.Interop;

/// <summary>
/// NCCL 2 functions as <c>nccl.h</c> declares them (libnccl.so.2), values from NVIDIA's NCCL user
/// guide ("Types"). Declarations only. ncclComm_t is a pointer to an opaque struct and
/// cudaStream_t is the driver's CUstream, so both are <see cref="nint"/>; the enums are C enums
/// (int). ncclUniqueId is a 128-byte struct passed by value to ncclCommInitRank.
/// </summary>
public static unsafe partial class Nccl
{
    public const string Library = "autolora-nccl";

    /// <summary>NCCL_UNIQUE_ID_BYTES.</summary>
    public const int UniqueIdBytes = 128;

    [LibraryImport(Library, EntryPoint = "ncclGetVersion")]
    public static partial NcclResult ncclGetVersion(int* version);

    [LibraryImport(Library, EntryPoint = "ncclGetUniqueId")]
    public static partial NcclResult ncclGetUniqueId(NcclUniqueId* uniqueId);

    [LibraryImport(Library, EntryPoint = "ncclCommInitRank")]
    public static partial NcclResult ncclCommInitRank(nint* comm, int nranks, NcclUniqueId commId, int rank);

    [LibraryImport(Library, EntryPoint = "ncclCommDestroy")]
    public static partial NcclResult ncclCommDestroy(nint comm);

    [LibraryImport(Library, EntryPoint = "ncclCommAbort")]
    public static partial NcclResult ncclCommAbort(nint comm);

    [LibraryImport(Library, EntryPoint = "ncclCommGetAsyncError")]
    public static partial NcclResult ncclCommGetAsyncError(nint comm, NcclResult* asyncError);

    [LibraryImport(Library, EntryPoint = "ncclCommCount")]
    public static partial NcclResult ncclCommCount(nint comm, int* count);

    [LibraryImport(Library, EntryPoint = "ncclCommUserRank")]
    public static partial NcclResult ncclCommUserRank(nint comm, int* rank);

    /// <summary>Returns a static string owned by the library.</summary>
    [LibraryImport(Library, EntryPoint = "ncclGetErrorString")]
    public static partial byte* ncclGetErrorString(NcclResult result);

    /// <summary>NCCL 2.13 and later; the text of the last error (of <paramref name="comm"/>, or of the process when it is 0).</summary>
    [LibraryImport(Library, EntryPoint = "ncclGetLastError")]
    public static partial byte* ncclGetLastError(nint comm);

    /// <summary>sendbuff may equal recvbuff (in place); the operation is queued on <paramref name="stream"/>.</summary>
    [LibraryImport(Library, EntryPoint = "ncclAllReduce")]
    public static partial NcclResult ncclAllReduce(void* sendbuff, void* recvbuff, nuint count, NcclDataType datatype, NcclRedOp op, nint comm, nint stream);
}

/// <summary>ncclResult_t.</summary>
public enum NcclResult
{
    Success = 0,
    UnhandledCudaError = 1,
    SystemError = 2,
    InternalError = 3,
    InvalidArgument = 4,
    InvalidUsage = 5,
    RemoteError = 6,
    InProgress = 7,
}

/// <summary>ncclDataType_t (the names without their aliases ncclChar, ncclInt, ncclHalf, ncclFloat, ncclDouble).</summary>
public enum NcclDataType
{
    Int8 = 0,
    Uint8 = 1,
    Int32 = 2,
    Uint32 = 3,
    Int64 = 4,
    Uint64 = 5,
    Float16 = 6,
    Float32 = 7,
    Float64 = 8,
    Bfloat16 = 9,
}

/// <summary>ncclRedOp_t's predefined operations (ncclAvg since NCCL 2.10).</summary>
public enum NcclRedOp
{
    Sum = 0,
    Prod = 1,
    Max = 2,
    Min = 3,
    Avg = 4,
}

/// <summary>ncclUniqueId: <c>struct { char internal[NCCL_UNIQUE_ID_BYTES]; }</c>, opaque bytes that every rank must receive intact.</summary>
[InlineArray(Nccl.UniqueIdBytes)]
public struct NcclUniqueId
{
    private byte _first;
}
