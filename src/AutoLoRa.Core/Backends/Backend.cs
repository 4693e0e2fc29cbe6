using AutoLoRa.Core.Profiling;

namespace AutoLoRa.Core.Backends;

/// <summary>
/// The primitive operations every backend provides, each declared once. This is deliberately not
/// a tensor library: it knows buffers and sizes, never tensors, shapes or the autograd tape, so a
/// backend is a small, testable thing. All float buffers are float32, all images NCHW, all
/// matrices row-major. Unless a method says it accumulates, it overwrites its output. Output
/// buffers must not alias inputs unless the method says so.
/// <para>
/// Every public primitive is a non-virtual entry point that does the same three things on every
/// backend: it checks its arguments (<see cref="PrimitiveChecks"/>: the same calls are refused
/// with the same words everywhere), it times itself when <see cref="Profiling"/> is on, and it calls the backend's implementation, the protected
/// <c>…Core</c> method of the same name. A backend implements only the <c>…Core</c> methods, so
/// it can neither skip a check nor be profiled differently; what it adds is resolving its own
/// buffer type and the checks that read data (a label or argmax index out of range).
/// </para>
/// One partial file per family: buffers here; dense algebra, convolution, normalisation, pooling
/// and resizing in Backend.Dense.cs; elementwise and reductions in Backend.Elementwise.cs; the
/// fused primitives of the hot path in Backend.Fused.cs.
/// </summary>
public abstract partial class Backend : IDisposable
{
    /// <summary>Short name shown in logs and test traits ("cpu", "cuda-emulated", "cuda").</summary>
    public abstract string Name { get; }

    /// <summary>Waits until all queued work has finished (a no-op for synchronous backends).</summary>
    public abstract void Synchronize();

    /// <summary>
    /// The arithmetic this backend's GEMMs and convolutions actually use (FP32 unless a GPU backend
    /// was asked for TF32 and its device has TF32 tensor cores). Verification picks its tolerances
    /// for those products from it.
    /// </summary>
    public virtual MatrixPrecision Precision => MatrixPrecision.Fp32;

    /// <summary>Releases what the backend caches (host arrays, device memory, library handles).</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the backend's resources; <paramref name="disposing"/> is false from a finalizer.</summary>
    protected abstract void Dispose(bool disposing);

    /// <summary>
    /// Whether this backend's primitives time themselves (<c>autolora bench step --profile</c> turns
    /// it on). Each primitive is then charged to the phase and layer of the profile its thread is
    /// collecting (<see cref="OpProfiler"/>), and is followed by a device synchronisation so that an
    /// asynchronous backend's time lands on the primitive that caused it — profiles therefore
    /// measure a serialised device and run slightly slower than unprofiled steps. Off, a primitive
    /// pays one field read for it.
    /// </summary>
    public bool Profiling { get; set; }

    /// <summary>
    /// Charges the time until the returned timer is disposed to <paramref name="primitive"/> (see
    /// <see cref="Profiling"/>); the default, inert timer when profiling is off. Every primitive
    /// times itself this way; composites built from primitives (the LoRA merge, for one) use it to
    /// appear in a profile under their own name, and the primitives they call are then not
    /// recorded separately.
    /// </summary>
    public PrimitiveTimer Profile(string primitive) =>
        Profiling && !OpProfiler.InsideTimedPrimitive ? new PrimitiveTimer(this, primitive) : default;

    // ---- buffers -----------------------------------------------------------------------------------------

    /// <summary>A buffer of <paramref name="length"/> elements; contents are unspecified.</summary>
    public DeviceBuffer Allocate(int length, DType dtype = DType.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        using var timer = Profile(nameof(Allocate));
        return AllocateCore(length, dtype);
    }

    /// <summary>This backend's <see cref="Allocate"/>, called once the arguments passed its checks.</summary>
    protected abstract DeviceBuffer AllocateCore(int length, DType dtype);

    /// <summary>Copies host floats into <paramref name="destination"/> from <paramref name="destinationOffset"/> on.</summary>
    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, int destinationOffset = 0)
    {
        using var timer = Profile(nameof(Upload));
        UploadCore(source, destination, destinationOffset);
    }

    /// <summary>This backend's <see cref="Upload(ReadOnlySpan{float}, DeviceBuffer, int)"/>, called once the arguments passed its checks.</summary>
    protected abstract void UploadCore(ReadOnlySpan<float> source, DeviceBuffer destination, int destinationOffset);

    /// <summary>Copies host ints into <paramref name="destination"/> from <paramref name="destinationOffset"/> on.</summary>
    public void Upload(ReadOnlySpan<int> source, DeviceBuffer destination, int destinationOffset = 0)
    {
        using var timer = Profile(nameof(Upload));
        UploadCore(source, destination, destinationOffset);
    }

    /// <summary>This backend's <see cref="Upload(ReadOnlySpan{int}, DeviceBuffer, int)"/>, called once the arguments passed its checks.</summary>
    protected abstract void UploadCore(ReadOnlySpan<int> source, DeviceBuffer destination, int destinationOffset);

    /// <summary>Copies float32 elements from <paramref name="source"/>, starting at <paramref name="sourceOffset"/>, to the host.</summary>
    public void Download(DeviceBuffer source, Span<float> destination, int sourceOffset = 0)
    {
        using var timer = Profile(nameof(Download));
        DownloadCore(source, destination, sourceOffset);
    }

    /// <summary>This backend's <see cref="Download(DeviceBuffer, Span{float}, int)"/>, called once the arguments passed its checks.</summary>
    protected abstract void DownloadCore(DeviceBuffer source, Span<float> destination, int sourceOffset);

    /// <summary>Copies int32 elements from <paramref name="source"/>, starting at <paramref name="sourceOffset"/>, to the host.</summary>
    public void Download(DeviceBuffer source, Span<int> destination, int sourceOffset = 0)
    {
        using var timer = Profile(nameof(Download));
        DownloadCore(source, destination, sourceOffset);
    }

    /// <summary>This backend's <see cref="Download(DeviceBuffer, Span{int}, int)"/>, called once the arguments passed its checks.</summary>
    protected abstract void DownloadCore(DeviceBuffer source, Span<int> destination, int sourceOffset);

    /// <summary>Copies <paramref name="count"/> elements between two buffers of this backend.</summary>
    public void Copy(BufferSlice source, BufferSlice destination, int count)
    {
        using var timer = Profile(nameof(Copy));
        CopyCore(source, destination, count);
    }

    /// <summary>This backend's <see cref="Copy"/>, called once the arguments passed its checks.</summary>
    protected abstract void CopyCore(BufferSlice source, BufferSlice destination, int count);

    /// <summary>Sets every element of <paramref name="destination"/> to <paramref name="value"/>.</summary>
    public void Fill(DeviceBuffer destination, float value)
    {
        using var timer = Profile(nameof(Fill));
        FillCore(destination, value);
    }

    /// <summary>This backend's <see cref="Fill"/>, called once the arguments passed its checks.</summary>
    protected abstract void FillCore(DeviceBuffer destination, float value);

}
