namespace AutoLoRa.Distributed;

/// <summary>The run without MPI: one rank, no native library, and every collective returns at once leaving its input as it is.</summary>
public sealed class SingleProcess : Communicator
{
    /// <summary>The one instance (it holds no state).</summary>
    public static SingleProcess Instance { get; } = new();

    private SingleProcess()
    {
    }

    /// <inheritdoc/>
    public override int Rank => 0;

    /// <inheritdoc/>
    public override int Size => 1;

    /// <inheritdoc/>
    public override string Description => "one process";

    /// <inheritdoc/>
    public override void AllReduceSum(Span<double> values, string what)
    {
    }

    /// <inheritdoc/>
    public override void AllReduceSum(Span<long> values, string what)
    {
    }

    /// <inheritdoc/>
    public override void AllReduceMax(Span<long> values, string what)
    {
    }

    /// <inheritdoc/>
    public override PendingReduction StartAllReduceSum(Memory<float> values, string what) => PendingReduction.Done;

    /// <inheritdoc/>
    public override void Broadcast(Span<byte> bytes, int root, string what)
    {
    }

    /// <inheritdoc/>
    public override void AllGather(ReadOnlySpan<byte> mine, Span<byte> all, string what)
    {
        if (all.Length != mine.Length) throw new ArgumentException($"All-gather of {what}: {all.Length} bytes for one rank's {mine.Length}.", nameof(all));
        mine.CopyTo(all);
    }

    /// <inheritdoc/>
    public override void Barrier(string what)
    {
    }

    /// <summary>Shared and stateless: nothing to release.</summary>
    public override void Dispose()
    {
    }
}
