namespace AutoLoRa.Reproduction;

/// <summary>
/// A reproduction plan that cannot run, with every problem found (one sentence each, prefixed by
/// where in the plan it is), so a user fixes them all in one pass instead of one per attempt.
/// </summary>
public sealed class PlanException : ArgumentException
{
    /// <summary>The <paramref name="problems"/> of the plan from <paramref name="origin"/>, all of them.</summary>
    public PlanException(string origin, IReadOnlyList<string> problems)
        : base(problems.Count == 1
            ? $"{origin}: {problems[0]}"
            : $"{origin} has {problems.Count} problems:{string.Concat(problems.Select(p => "\n  - " + p))}")
    {
        Problems = problems;
    }

    /// <summary>Every problem found, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; }
}
