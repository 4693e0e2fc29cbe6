namespace AutoLoRa.Robust;

/// <summary>
/// Where APGD checks whether to halve its step size. The first window is ⌊0.22·N⌋ iterations and each
/// next one is shorter by ⌊0.03·N⌋ down to ⌊0.06·N⌋ (each at least 1) — the integer form of the
/// paper's p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06).
/// </summary>
public static class ApgdSchedule
{
    /// <summary>Length of the first window.</summary>
    public static int FirstWindow(int iterations) => Math.Max((int)(0.22 * iterations), 1);

    /// <summary>Shortest window.</summary>
    public static int MinWindow(int iterations) => Math.Max((int)(0.06 * iterations), 1);

    /// <summary>How much a window shrinks after each checkpoint.</summary>
    public static int WindowDecrease(int iterations) => Math.Max((int)(0.03 * iterations), 1);

    /// <summary>The next window length after a checkpoint ending a window of <paramref name="window"/>.</summary>
    public static int NextWindow(int window, int iterations) => Math.Max(window - WindowDecrease(iterations), MinWindow(iterations));

    /// <summary>
    /// Number of completed iterations at each checkpoint (for 100: 22, 41, 57, 70, 80, 87, 93, 99).
    /// A checkpoint after i iterations happens at 0-based loop index i − 1.
    /// </summary>
    public static IReadOnlyList<int> Checkpoints(int iterations)
    {
        var result = new List<int>();
        int window = FirstWindow(iterations), done = 0;
        while (done + window <= iterations)
        {
            done += window;
            result.Add(done);
            window = NextWindow(window, iterations);
        }
        return result;
    }
}
