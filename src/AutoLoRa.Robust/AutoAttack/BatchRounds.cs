using System.Buffers.Binary;
using AutoLoRa.Distributed;

namespace AutoLoRa.Robust;

/// <summary>
/// What one batch of an evaluation found, as every rank needs it: a flag per row (clean pass:
/// classified correctly; attack: broken), the model's classes, and the bounds of the returned images.
/// </summary>
internal sealed class BatchOutcome(int rows)
{
    // Rows, classes, NaN images, out-of-bounds images (int32 each); three float32 bounds; seconds (float64).
    private const int HeaderBytes = 4 * sizeof(int) + 3 * sizeof(float) + sizeof(double);

    public bool[] Flags { get; } = new bool[rows];
    public int Classes { get; set; }
    public int NanImages { get; set; }
    public int OutOfBounds { get; set; }
    public float MaxPerturbation { get; set; }
    public float MinPixel { get; set; } = float.PositiveInfinity;
    public float MaxPixel { get; set; } = float.NegativeInfinity;
    public double Seconds { get; set; }

    /// <summary>Bytes of the record of a batch of up to <paramref name="batchSize"/> rows.</summary>
    public static int RecordBytes(int batchSize) => HeaderBytes + batchSize;

    public void Write(Span<byte> record)
    {
        BinaryPrimitives.WriteInt32LittleEndian(record, Flags.Length);
        BinaryPrimitives.WriteInt32LittleEndian(record[4..], Classes);
        BinaryPrimitives.WriteInt32LittleEndian(record[8..], NanImages);
        BinaryPrimitives.WriteInt32LittleEndian(record[12..], OutOfBounds);
        BinaryPrimitives.WriteSingleLittleEndian(record[16..], MaxPerturbation);
        BinaryPrimitives.WriteSingleLittleEndian(record[20..], MinPixel);
        BinaryPrimitives.WriteSingleLittleEndian(record[24..], MaxPixel);
        BinaryPrimitives.WriteDoubleLittleEndian(record[28..], Seconds);
        for (int i = 0; i < Flags.Length; i++) record[HeaderBytes + i] = Flags[i] ? (byte)1 : (byte)0;
    }

    public static BatchOutcome Read(ReadOnlySpan<byte> record)
    {
        var outcome = new BatchOutcome(BinaryPrimitives.ReadInt32LittleEndian(record))
        {
            Classes = BinaryPrimitives.ReadInt32LittleEndian(record[4..]),
            NanImages = BinaryPrimitives.ReadInt32LittleEndian(record[8..]),
            OutOfBounds = BinaryPrimitives.ReadInt32LittleEndian(record[12..]),
            MaxPerturbation = BinaryPrimitives.ReadSingleLittleEndian(record[16..]),
            MinPixel = BinaryPrimitives.ReadSingleLittleEndian(record[20..]),
            MaxPixel = BinaryPrimitives.ReadSingleLittleEndian(record[24..]),
            Seconds = BinaryPrimitives.ReadDoubleLittleEndian(record[28..]),
        };
        for (int i = 0; i < outcome.Flags.Length; i++) outcome.Flags[i] = record[HeaderBytes + i] != 0;
        return outcome;
    }
}

/// <summary>
/// Deals an evaluation's batches over the ranks, a round at a time: a round is the next
/// <see cref="Communicator.Size"/> batches of the points to do, rank r computes batch r of the
/// round, and every rank receives every batch's <see cref="BatchOutcome"/> (an all-gather of
/// fixed-size records). The batches and their seeds are the ones a single process would form, one
/// after the other, so the outcome is the single process's, point for point. The last round may
/// have fewer batches than ranks: a rank without one sends an empty record, and nothing is padded
/// or counted twice. With one process a round is one batch.
/// </summary>
internal sealed class BatchRounds(Communicator replicas, int batchSize)
{
    /// <summary>Points a full round covers.</summary>
    public int PointsPerRound => batchSize * replicas.Size;

    /// <summary>
    /// The round that starts at <paramref name="points"/>' first element: each batch's rows (points'
    /// indices) with its outcome, in batch order. <paramref name="compute"/> gets the batch's number in
    /// the round and its rows, and runs on this rank's batch only.
    /// </summary>
    public List<(int[] Rows, BatchOutcome Outcome)> Run(int[] points, int first, Func<int, int[], BatchOutcome> compute, string what)
    {
        var batches = new List<int[]>();
        for (int j = 0; j < replicas.Size && first + j * batchSize < points.Length; j++)
        {
            int start = first + j * batchSize;
            batches.Add(points[start..Math.Min(points.Length, start + batchSize)]);
        }
        var mine = replicas.Rank < batches.Count ? compute(replicas.Rank, batches[replicas.Rank]) : new BatchOutcome(0);
        int record = BatchOutcome.RecordBytes(batchSize);
        var own = new byte[record];
        mine.Write(own);
        var all = new byte[record * replicas.Size];
        replicas.AllGather(own, all, what);
        var round = new List<(int[], BatchOutcome)>(batches.Count);
        for (int j = 0; j < batches.Count; j++)
        {
            var outcome = j == replicas.Rank ? mine : BatchOutcome.Read(all.AsSpan(j * record, record));
            if (outcome.Flags.Length != batches[j].Length)
                throw new DistributedException($"Rank {j} returned {outcome.Flags.Length} results for a batch of {batches[j].Length} points during {what}: the ranks evaluate different points.");
            round.Add((batches[j], outcome));
        }
        return round;
    }
}
