using AutoLoRa.Verify;

namespace AutoLoRa.Cli.Selftest;

/// <summary>
/// The verification table as self-test checks: one check per family, passing when every case of
/// the family passes, and showing the case that came closest to (or past) its tolerance.
/// </summary>
internal static class TableChecks
{
    /// <summary>
    /// The families to run with <paramref name="runner"/>; <paramref name="againstCpu"/> false
    /// leaves out the cases whose reference is the CPU backend (for the CPU backend itself). A
    /// family with no bound under TF32 (<see cref="VerificationCase.HasTf32Bound"/>) runs with
    /// <paramref name="fp32"/> when one is given (a TF32 candidate's FP32 twin), and says so.
    /// </summary>
    public static IEnumerable<(string Name, Func<CheckResult> Run)> For(CaseRunner runner, bool againstCpu, CaseRunner? fp32 = null)
    {
        var cases = VerificationTable.All.Where(c => againstCpu || !c.NeedsReferenceBackend);
        foreach (var family in cases.GroupBy(c => c.Family))
        {
            if (fp32 is not null && family.All(c => !c.HasTf32Bound)) yield return ($"{family.Key} (fp32)", () => Run(fp32, [.. family]));
            else yield return (family.Key, () => Run(runner, [.. family]));
        }
    }

    private static CheckResult Run(CaseRunner runner, IReadOnlyList<VerificationCase> cases)
    {
        var outcomes = cases.Select(c => (Case: c, Outcome: runner.Check(c))).ToList();
        var failed = outcomes.Where(o => !o.Outcome.Passed).ToList();
        var shown = failed.Count > 0 ? failed[0] : outcomes.MaxBy(o => o.Outcome.WorstRatio);
        string suffix = cases.Count == 1 ? "" : $" [{shown.Case.Name}; {cases.Count} cases{(failed.Count > 1 ? $", {failed.Count} failed" : "")}]";
        return new(failed.Count == 0, shown.Outcome.Detail + suffix);
    }
}
