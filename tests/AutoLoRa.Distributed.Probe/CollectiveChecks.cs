namespace AutoLoRa.Distributed.Probe;

/// <summary>Every collective of the communicator on odd sizes, against values each rank can compute alone.</summary>
internal static class CollectiveChecks
{
    public static void Run(Communicator c)
    {
        foreach (int n in new[] { 1, 2, 7, 1023, 65537 })
        {
            var doubles = Enumerable.Range(0, n).Select(i => (double)(c.Rank + 1) * i).ToArray();
            c.AllReduceSum(doubles, $"doubles of {n}");
            double ranks = c.Size * (c.Size + 1) / 2.0;
            for (int i = 0; i < n; i++) Expect.Equal(ranks * i, doubles[i], $"double sum [{i}] of {n}", c);

            var longs = Enumerable.Range(0, n).Select(i => (long)c.Rank * n + i).ToArray();
            var maxima = longs.ToArray();
            c.AllReduceSum(longs, $"longs of {n}");
            c.AllReduceMax(maxima, $"long maxima of {n}");
            long rankSum = c.Size * (c.Size - 1) / 2;
            for (int i = 0; i < n; i++)
            {
                Expect.Equal(rankSum * n + (long)c.Size * i, longs[i], $"long sum [{i}] of {n}", c);
                Expect.Equal((long)(c.Size - 1) * n + i, maxima[i], $"long max [{i}] of {n}", c);
            }

            var floats = GC.AllocateArray<float>(n, pinned: true);
            for (int i = 0; i < n; i++) floats[i] = c.Rank + i % 5;
            c.StartAllReduceSum(floats, $"floats of {n}").Wait();
            for (int i = 0; i < n; i++) Expect.Equal((float)(rankSum + c.Size * (i % 5)), floats[i], $"float sum [{i}] of {n}", c);

            var bytes = Enumerable.Range(0, n).Select(i => (byte)(c.IsRoot ? i * 7 : 0)).ToArray();
            c.Broadcast(bytes, 0, $"{n} bytes");
            for (int i = 0; i < n; i++) Expect.Equal((byte)(i * 7), bytes[i], $"broadcast byte [{i}] of {n}", c);

            var mine = Enumerable.Range(0, n).Select(i => (byte)(c.Rank * 31 + i)).ToArray();
            var all = new byte[n * c.Size];
            c.AllGather(mine, all, $"{n} bytes per rank");
            for (int r = 0; r < c.Size; r++)
                for (int i = 0; i < n; i++) Expect.Equal((byte)(r * 31 + i), all[r * n + i], $"gathered byte [{r}, {i}] of {n}", c);
        }
        c.Barrier("the probe's barrier");
        Expect.Equal(42f, c.FromRoot(() => c.IsRoot ? 42f : throw new InvalidOperationException("only rank 0 computes"), "a root value"), "value from rank 0", c);
    }
}
