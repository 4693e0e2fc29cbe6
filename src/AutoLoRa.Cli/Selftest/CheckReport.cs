using System.Diagnostics;

namespace AutoLoRa.Cli.Selftest;

/// <summary>Runs self-test checks one at a time, printing "[ok] name detail (seconds)" per check, and counts failures.</summary>
internal sealed class CheckReport(TextWriter output)
{
    private int _failures;

    public void Run(string name, Func<CheckResult> check)
    {
        var clock = Stopwatch.StartNew();
        CheckResult result;
        try
        {
            result = check();
        }
        catch (Exception e)
        {
            result = CheckResult.Fail($"{e.GetType().Name}: {e.Message}");
        }
        if (!result.Passed) _failures++;
        output.WriteLine($"  [{(result.Passed ? "ok" : "FAIL")}] {name,-31} {result.Detail} ({clock.Elapsed.TotalSeconds:F2} s)");
    }

    /// <summary>Prints the verdict; returns the exit code (0 when every check passed).</summary>
    public int Finish()
    {
        output.WriteLine(_failures == 0 ? "selftest passed" : $"selftest FAILED: {_failures} check(s)");
        return _failures == 0 ? 0 : 1;
    }
}
