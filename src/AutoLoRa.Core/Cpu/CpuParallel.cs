namespace AutoLoRa.Core.Cpu;

/// <summary>One unit of data-parallel work; a struct so scheduling it allocates nothing.</summary>
internal interface IParallelWork
{
    void Execute(int index);
}

/// <summary>Runs independent work items on all cores.</summary>
internal static class CpuParallel
{
    public static int WorkerCount { get; } = Environment.ProcessorCount;

    /// <summary>Calls work.Execute(i) for every i in [0, count), in parallel when it pays.</summary>
    public static void For<TWork>(int count, TWork work) where TWork : struct, IParallelWork
    {
        if (count <= 1 || WorkerCount == 1)
        {
            for (int i = 0; i < count; i++) work.Execute(i);
            return;
        }
        Parallel.For(0, count, i => work.Execute(i));
    }
}
