namespace AutoLoRa.Robust;

/// <summary>
/// Square's schedule: the fraction p of pixels changed per query halves after queries 10, 50, 200,
/// 500, 1000, 2000, 4000, 6000 and 8000 (0-based iteration index, no rescaling, as AutoAttack runs
/// it), and the side of the square is round(√(p·H·W)) rounded half to even, between 1 and min(H, W).
/// </summary>
public static class SquareSchedule
{
    private static readonly int[] s_halvings = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];

    /// <summary>p at 0-based iteration <paramref name="iteration"/>.</summary>
    public static float P(float pInit, int iteration)
    {
        int halvings = 0;
        foreach (int limit in s_halvings)
        {
            if (iteration > limit) halvings++;
        }
        return pInit / (1 << halvings);
    }

    /// <summary>Side of the square for fraction p on an H×W image.</summary>
    public static int Side(float p, int height, int width)
    {
        // Python's round() rounds half to even; AwayFromZero would give 1 more at exact halves.
        int side = (int)Math.Round(Math.Sqrt(p * height * width), MidpointRounding.ToEven);
        return Math.Min(Math.Max(side, 1), Math.Min(height, width));
    }
}
