using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Cpu;

namespace AutoLoRa.Cli.Options;

/// <summary>Resolves --backend to an IBackend and says which one it chose and why.</summary>
internal static class BackendChoice
{
    public static IBackend Create(string name, TextWriter log)
    {
        switch (name)
        {
            case "cpu":
                return new CpuBackend();
            case "auto":
                log.WriteLine($"backend: cpu ({Environment.ProcessorCount} threads; the CUDA backend is not part of this build yet)");
                return new CpuBackend();
            default:
                throw new ArgumentException($"--backend '{name}' is not available; choose cpu or auto.");
        }
    }
}
