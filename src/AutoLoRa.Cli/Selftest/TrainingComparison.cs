using AutoLoRa.Core.Backends;
using AutoLoRa.Training.Diagnostics;

namespace AutoLoRa.Cli.Selftest;

/// <summary>Two AutoLoRa steps (PGD-10, both branches, CE + KL, SGD) on a backend and on the CPU backend from identical weights.</summary>
internal static class TrainingComparison
{
    /// <summary>
    /// Largest allowed |c − r| / (1 + |r|) over the losses and every parameter and running
    /// statistic. The emulated runtime stays near 1e-7; the bound leaves room for a GPU's other
    /// summation orders, which can flip the sign of a near-zero input gradient inside PGD.
    /// </summary>
    public const double Tolerance = 1e-3;

    public static CheckResult Run(Backend cpu, Backend backend)
    {
        var comparison = BackendStepComparison.AutoLoraSteps(cpu, backend);
        return CheckResult.Require(comparison.MaxDeviation <= Tolerance, $"{comparison} (tol {Tolerance:0E+0})");
    }
}
