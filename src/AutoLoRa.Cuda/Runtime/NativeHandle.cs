using System.Runtime.InteropServices;

namespace AutoLoRa.Cuda.Runtime;

/// <summary>
/// An owned native handle (context reference, stream, module, cuBLAS/cuDNN handle, descriptor)
/// released exactly once by its library's destroy call, also if the owner is never disposed.
/// </summary>
internal sealed class NativeHandle : SafeHandle
{
    private readonly Func<nint, int> _release;

    public NativeHandle(nint handle, Func<nint, int> release) : base(0, ownsHandle: true)
    {
        _release = release;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == 0;

    public nint Value => handle;

    // A failing destroy during teardown has no one to report to; the status is dropped.
    protected override bool ReleaseHandle() => _release(handle) == 0;
}
