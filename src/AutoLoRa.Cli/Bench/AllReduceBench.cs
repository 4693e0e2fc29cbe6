using System.Diagnostics;
using System.Text.Json;
using AutoLoRa.Distributed;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>autolora bench allreduce</c>: the float all-reduce that averages gradients, checked, then
/// timed per message size, in nccl-tests' terms (its doc/PERFORMANCE.md): algorithm bandwidth =
/// bytes ÷ time, and bus bandwidth = algorithm bandwidth × 2(n − 1)/n, the rate each link must carry
/// for a ring all-reduce, comparable across rank counts with the hardware's peak. The time of a size
/// is the slowest rank's mean over the timed iterations (every rank waits for the slowest).
/// </summary>
internal static class AllReduceBench
{
    public static int Run(Communicator c, long minBytes, long maxBytes, int factor, int iterations, int warmup, bool json, TextWriter output)
    {
        if (!c.IsDistributed)
            return CliError.Report("bench allreduce measures ranks talking to each other: start it with mpirun, e.g. mpirun -np 2 autolora bench allreduce.");
        if (minBytes < 4 || maxBytes < minBytes || factor < 2 || iterations < 1 || warmup < 0)
            return CliError.Report($"--min-bytes ≥ 4, --max-bytes ≥ --min-bytes, --factor ≥ 2, --iters ≥ 1 and --warmup ≥ 0 are needed (got {minBytes}, {maxBytes}, {factor}, {iterations}, {warmup}).");
        if (c.IsRoot && !json) output.WriteLine($"{"bytes",12} {"floats",11} {"time µs",10} {"algbw GB/s",11} {"busbw GB/s",11}  check   ({c.Description})");
        for (long bytes = minBytes; bytes <= maxBytes; bytes *= factor)
        {
            int count = checked((int)(bytes / sizeof(float)));
            var values = GC.AllocateArray<float>(count, pinned: true);
            bool correct = Check(c, values);
            Array.Clear(values);
            for (int i = 0; i < warmup; i++) c.StartAllReduceSum(values, "a warm-up all-reduce").Wait();
            c.Barrier("the start of a timed size");
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++) c.StartAllReduceSum(values, "a timed all-reduce").Wait();
            Span<long> nanoseconds = [(long)(clock.Elapsed.TotalNanoseconds / iterations)];
            c.AllReduceMax(nanoseconds, "the slowest rank's time");
            double seconds = nanoseconds[0] * 1e-9;
            double algorithm = count * (double)sizeof(float) / seconds / 1e9;
            double bus = algorithm * 2 * (c.Size - 1) / c.Size;
            if (!c.IsRoot) continue;
            if (json)
            {
                var line = new AllReduceBenchLine(count * (long)sizeof(float), count, c.Size, seconds, algorithm, bus, correct);
                output.WriteLine(JsonSerializer.Serialize(line, CliJsonContext.Default.AllReduceBenchLine));
            }
            else
            {
                output.WriteLine($"{count * (long)sizeof(float),12} {count,11} {seconds * 1e6,10:F1} {algorithm,11:F3} {bus,11:F3}  {(correct ? "ok" : "WRONG")}");
            }
        }
        return 0;
    }

    /// <summary>One all-reduce of values every rank can predict (rank + 1 + i mod 7, small integers: exact in float), on every rank.</summary>
    private static bool Check(Communicator c, float[] values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = c.Rank + 1 + i % 7;
        c.StartAllReduceSum(values, "the checked all-reduce").Wait();
        float ranks = c.Size * (c.Size + 1) / 2f;
        bool ok = true;
        for (int i = 0; i < values.Length && ok; i++) ok = values[i] == ranks + c.Size * (i % 7);
        Span<long> wrong = [ok ? 0 : 1];
        c.AllReduceMax(wrong, "the check's verdict");
        return wrong[0] == 0;
    }
}

internal sealed record AllReduceBenchLine(long Bytes, int Floats, int Ranks, double Seconds, double AlgbwGbPerS, double BusbwGbPerS, bool Correct);
