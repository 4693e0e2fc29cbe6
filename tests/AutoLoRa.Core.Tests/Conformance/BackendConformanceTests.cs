using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// Every primitive of <see cref="Backend"/> checked against a plain reference written in the
/// tests. Written once; each backend gets a sealed subclass carrying a "Backend" trait. The
/// checks for each primitive family live in their own partial file.
/// </summary>
public abstract partial class BackendConformanceTests : IDisposable
{
    protected BackendConformanceTests(Backend backend) => Backend = backend;

    protected Backend Backend { get; }

    public void Dispose()
    {
        Backend.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Uploads host data into a new buffer of the backend under test.</summary>
    protected DeviceBuffer Upload(float[] data)
    {
        var buffer = Backend.Allocate(data.Length);
        Backend.Upload(data, buffer);
        return buffer;
    }

    protected DeviceBuffer Upload(int[] data)
    {
        var buffer = Backend.Allocate(data.Length, DType.Int32);
        Backend.Upload(data, buffer);
        return buffer;
    }

    protected float[] Download(DeviceBuffer buffer, int? count = null)
    {
        var data = new float[count ?? buffer.Length];
        Backend.Download(buffer, data);
        return data;
    }

    protected int[] DownloadInts(DeviceBuffer buffer)
    {
        var data = new int[buffer.Length];
        Backend.Download(buffer, data);
        return data;
    }
}
