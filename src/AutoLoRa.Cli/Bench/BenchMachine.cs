using System.Text.Json;
using AutoLoRa.Cpu;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// The one place the bench verbs name the machine a figure came from (<see cref="CpuIdentity"/>):
/// a line above every table and two fields in every JSON line, so figures from different CPUs —
/// Zen 4 and Zen 5 differ by 2× on some layers — are never compared by accident.
/// </summary>
internal static class BenchMachine
{
    /// <summary>"cpu: AMD EPYC (AuthenticAMD family 26 model 2; avx512f avx2 fma; 2 threads)".</summary>
    public static string Line => $"cpu: {CpuIdentity.Current}";

    /// <summary>Adds "cpu" (for people) and "cpu_key" (for grouping results by machine).</summary>
    public static void AddTo(IDictionary<string, object> fields)
    {
        fields["cpu"] = CpuIdentity.Current.ToString();
        fields["cpu_key"] = CpuIdentity.Current.Key;
    }

    /// <summary>The same two fields as JSON text, ",\"cpu\":…,\"cpu_key\":…", for lines written by hand.</summary>
    public static string JsonFields =>
        $",\"cpu\":{JsonSerializer.Serialize(CpuIdentity.Current.ToString(), CliJsonContext.Default.String)}" +
        $",\"cpu_key\":{JsonSerializer.Serialize(CpuIdentity.Current.Key, CliJsonContext.Default.String)}";
}
