using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;

namespace AutoLoRa.Distributed;

/// <summary>
/// Bytes that rank 0 alone computes (it reads a file the others may not see, or decides something
/// once) and every rank then holds. A failure on rank 0 travels too, so every rank stops with its
/// message instead of the others waiting out the collective timeout.
/// </summary>
public static class RootBytes
{
    /// <summary>
    /// <paramref name="compute"/> run on rank 0 and its result broadcast (one process: just run).
    /// Rank 0 rethrows what <paramref name="compute"/> threw; the other ranks throw a
    /// <see cref="DistributedException"/> with its message.
    /// </summary>
    public static byte[] Share(Communicator communicator, Func<byte[]> compute, string what)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(compute);
        if (!communicator.IsDistributed) return compute();
        byte[] payload = [];
        ExceptionDispatchInfo? failure = null;
        // A negative length announces rank 0's error message instead of a result.
        long length = 0;
        if (communicator.IsRoot)
        {
            try
            {
                payload = compute();
                length = payload.Length;
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
                payload = Encoding.UTF8.GetBytes(e.Message);
                length = -1 - payload.Length;
            }
        }
        communicator.Broadcast(MemoryMarshal.AsBytes(new Span<long>(ref length)), 0, $"the size of {what}");
        if (!communicator.IsRoot) payload = new byte[length >= 0 ? length : -1 - length];
        communicator.Broadcast(payload, 0, what);
        failure?.Throw();
        if (length < 0) throw new DistributedException($"Rank 0 failed during {what}: {Encoding.UTF8.GetString(payload)}");
        return payload;
    }
}
