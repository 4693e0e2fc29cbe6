namespace AutoLoRa.Cuda.Runtime;

/// <summary>
/// What a library that queues its own device work beside ours needs (NCCL's collectives): the
/// device, the stream every call of this runtime is queued on, and the context bound to the
/// calling thread. Work on another stream is ordered against <see cref="ComputeStream"/> with events.
/// </summary>
public sealed partial class NativeRuntime
{
    /// <summary>The device ordinal this runtime opened.</summary>
    public int Ordinal => _device;

    /// <summary>The CUstream every copy, kernel, cuBLAS and cuDNN call of this runtime is queued on.</summary>
    public nint ComputeStream => _stream.Value;

    /// <summary>Makes this runtime's context current on the calling thread (needed before driver calls on it).</summary>
    public void BindContext() => MakeCurrent();
}
