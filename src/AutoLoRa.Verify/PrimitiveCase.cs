using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify;

/// <summary>
/// A case made of backend primitive calls on a set of buffers: <see cref="Buffers"/> holds the
/// seeded inputs and the outputs to compare, <see cref="Run"/> makes the calls. The reference is
/// <see cref="HostReference"/> (plain double-precision arithmetic returning the expected outputs
/// in <see cref="CaseBuffers.Checked"/> order) where there is one, else the same calls on the CPU
/// backend.
/// </summary>
public sealed class PrimitiveCase : VerificationCase
{
    /// <summary>The seeded buffers, uploaded fresh for every run.</summary>
    public required CaseBuffers Buffers { get; init; }

    /// <summary>The primitive calls, on the backend's copies of <see cref="Buffers"/> (same slot order).</summary>
    public required Action<Backend, DeviceBuffer[]> Run { get; init; }

    /// <summary>The expected checked outputs computed on the host from the inputs, or null to use the CPU backend.</summary>
    public Func<IReadOnlyList<Array>, Array[]>? HostReference { get; init; }

    /// <inheritdoc/>
    public override bool NeedsReferenceBackend => HostReference is null;

    /// <inheritdoc/>
    public override CaseOutcome Check(Backend candidate, Backend? reference, MatrixPrecision bounds)
    {
        var actual = Outputs(candidate);
        var expected = HostReference is { } host ? host(Buffers.Data) : Outputs(Require(reference));
        // The reference (the CPU backend, or double-precision loops) is FP32 or better; the matrix precision asked for picks the bounds.
        var tally = new DeviationTally(HostReference is null ? $"{reference!.Name} backend" : "reference", bounds);
        for (int i = 0; i < Buffers.Checked.Count; i++) tally.Add(Buffers.Checked[i], actual[i], expected[i]);
        return tally.Outcome();
    }

    /// <summary>Uploads the buffers to <paramref name="backend"/> once, for repeated timed calls of <see cref="Run"/>.</summary>
    public PreparedCase Prepare(Backend backend) => new(backend, Upload(backend), Run);

    private Array[] Outputs(Backend backend)
    {
        var buffers = Upload(backend);
        try
        {
            Run(backend, buffers);
            backend.Synchronize();
            return Buffers.Checked.Select(o => Download(backend, buffers[o.Slot], Buffers.Data[o.Slot])).ToArray();
        }
        finally
        {
            foreach (var b in buffers) b?.Release();
        }
    }

    private DeviceBuffer[] Upload(Backend backend)
    {
        var buffers = new DeviceBuffer[Buffers.Data.Count];
        try
        {
            for (int i = 0; i < buffers.Length; i++)
            {
                switch (Buffers.Data[i])
                {
                    case float[] f:
                        buffers[i] = backend.Allocate(f.Length);
                        backend.Upload(f, buffers[i]);
                        break;
                    case int[] n:
                        buffers[i] = backend.Allocate(n.Length, DType.Int32);
                        backend.Upload(n, buffers[i]);
                        break;
                }
            }
            return buffers;
        }
        catch
        {
            foreach (var b in buffers) b?.Release();
            throw;
        }
    }

    private static Array Download(Backend backend, DeviceBuffer buffer, Array like)
    {
        if (like is int[] ints)
        {
            var host = new int[ints.Length];
            backend.Download(buffer, host);
            return host;
        }
        var floats = new float[like.Length];
        backend.Download(buffer, floats);
        return floats;
    }
}

/// <summary>A case's buffers resident on a backend, for timing: <see cref="Call"/> runs the primitives once more (in-place updates keep updating).</summary>
public sealed class PreparedCase(Backend backend, DeviceBuffer[] buffers, Action<Backend, DeviceBuffer[]> run) : IDisposable
{
    /// <summary>One run of the case's calls, not synchronised.</summary>
    public void Call() => run(backend, buffers);

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var b in buffers) b?.Release();
    }
}
