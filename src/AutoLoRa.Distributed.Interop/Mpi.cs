using System.Runtime.InteropServices;

namespace AutoLoRa.Distributed.Interop;

/// <summary>
/// MPI-3 functions as Open MPI's <c>mpi.h</c> declares them (libmpi.so.40; Open MPI 3.x, 4.x and 5.x
/// share this ABI). Declarations only. In Open MPI every handle type (MPI_Comm, MPI_Datatype, MPI_Op,
/// MPI_Request, MPI_Errhandler) is a pointer, and the predefined handles are the addresses of exported
/// data symbols (<see cref="Symbols"/>), so they are read with NativeLibrary.GetExport rather than
/// bound as functions. MPICH-family libraries (libmpi.so.12: MPICH, Intel MPI, MVAPICH) use integer
/// handles and are a different ABI, not supported here.
/// <para>
/// Only non-blocking collectives are bound: every wait of ours has a deadline (a peer that died or
/// hangs must not hang this rank), which a blocking MPI_Allreduce cannot give.
/// </para>
/// </summary>
public static unsafe partial class Mpi
{
    public const string Library = "autolora-mpi";

    /// <summary>MPI_SUCCESS.</summary>
    public const int Success = 0;

    /// <summary>MPI_THREAD_SERIALIZED: any thread may call MPI, one at a time (we call from the training thread only).</summary>
    public const int ThreadSerialized = 2;

    /// <summary>MPI_MAX_ERROR_STRING and MPI_MAX_LIBRARY_VERSION_STRING in Open MPI.</summary>
    public const int MaxStringLength = 256;

    /// <summary>MPI_IN_PLACE is <c>(void*)1</c> in Open MPI.</summary>
    public static readonly nint InPlace = 1;

    /// <summary>Names of the exported globals whose addresses are the predefined handles.</summary>
    public static class Symbols
    {
        public const string CommWorld = "ompi_mpi_comm_world";
        public const string Float = "ompi_mpi_float";
        public const string Double = "ompi_mpi_double";
        public const string Long = "ompi_mpi_long";
        public const string Byte = "ompi_mpi_byte";
        public const string OpSum = "ompi_mpi_op_sum";
        public const string OpMax = "ompi_mpi_op_max";
        public const string ErrorsReturn = "ompi_mpi_errors_return";
    }

    /// <summary>argc/argv may be null (MPI-2 onwards).</summary>
    [LibraryImport(Library, EntryPoint = "MPI_Init_thread")]
    public static partial int MPI_Init_thread(int* argc, byte*** argv, int required, int* provided);

    [LibraryImport(Library, EntryPoint = "MPI_Initialized")]
    public static partial int MPI_Initialized(int* flag);

    [LibraryImport(Library, EntryPoint = "MPI_Finalized")]
    public static partial int MPI_Finalized(int* flag);

    [LibraryImport(Library, EntryPoint = "MPI_Finalize")]
    public static partial int MPI_Finalize();

    /// <summary>Kills every process of the job; does not return in Open MPI.</summary>
    [LibraryImport(Library, EntryPoint = "MPI_Abort")]
    public static partial int MPI_Abort(nint comm, int errorcode);

    /// <summary>version: a buffer of <see cref="MaxStringLength"/> bytes.</summary>
    [LibraryImport(Library, EntryPoint = "MPI_Get_library_version")]
    public static partial int MPI_Get_library_version(byte* version, int* resultlen);

    /// <summary>text: a buffer of <see cref="MaxStringLength"/> bytes.</summary>
    [LibraryImport(Library, EntryPoint = "MPI_Error_string")]
    public static partial int MPI_Error_string(int errorcode, byte* text, int* resultlen);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_set_errhandler")]
    public static partial int MPI_Comm_set_errhandler(nint comm, nint errhandler);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_rank")]
    public static partial int MPI_Comm_rank(nint comm, int* rank);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_size")]
    public static partial int MPI_Comm_size(nint comm, int* size);

    [LibraryImport(Library, EntryPoint = "MPI_Ibarrier")]
    public static partial int MPI_Ibarrier(nint comm, nint* request);

    [LibraryImport(Library, EntryPoint = "MPI_Ibcast")]
    public static partial int MPI_Ibcast(void* buffer, int count, nint datatype, int root, nint comm, nint* request);

    /// <summary>sendbuf may be <see cref="InPlace"/> (recvbuf is then both).</summary>
    [LibraryImport(Library, EntryPoint = "MPI_Iallreduce")]
    public static partial int MPI_Iallreduce(void* sendbuf, void* recvbuf, int count, nint datatype, nint op, nint comm, nint* request);

    /// <summary>recvcount is per rank; recvbuf holds size × recvcount elements in rank order.</summary>
    [LibraryImport(Library, EntryPoint = "MPI_Iallgather")]
    public static partial int MPI_Iallgather(void* sendbuf, int sendcount, nint sendtype, void* recvbuf, int recvcount, nint recvtype, nint comm, nint* request);

    /// <summary>
    /// Progresses and polls a request; on completion sets *flag and frees it (request becomes
    /// MPI_REQUEST_NULL). status may be null (MPI_STATUS_IGNORE is <c>(MPI_Status*)0</c> in Open MPI).
    /// </summary>
    [LibraryImport(Library, EntryPoint = "MPI_Test")]
    public static partial int MPI_Test(nint* request, int* flag, void* status);
}
