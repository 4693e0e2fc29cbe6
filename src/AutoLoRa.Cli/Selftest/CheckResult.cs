namespace AutoLoRa.Cli.Selftest;

/// <summary>The outcome of one self-test check, with the measured figure that decided it.</summary>
internal readonly record struct CheckResult(bool Passed, string Detail)
{
    public static CheckResult Pass(string detail) => new(true, detail);

    public static CheckResult Fail(string detail) => new(false, detail);

    public static CheckResult Require(bool condition, string detail) => new(condition, detail);
}
