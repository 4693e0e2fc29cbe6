namespace AutoLoRa.Architecture.Tests;

/// <summary>
/// The picture in README.md's Architecture section as data: for each product assembly, the product
/// assemblies it may use. An arrow that is not here is a design change — change the picture and
/// this table together, in the same commit, and say why.
/// </summary>
internal static class Layers
{
    public static IReadOnlyDictionary<string, string[]> Allowed { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        // The floors that know nothing: the CUDA declarations, the compiled kernels, the file formats.
        ["AutoLoRa.Cuda.Interop"] = [],
        ["AutoLoRa.Distributed.Interop"] = [],
        ["AutoLoRa.Kernels"] = [],
        ["AutoLoRa.Formats"] = [],
        // Tensor, tape, ops and the backend contract: no backend, no CUDA, no modules.
        ["AutoLoRa.Core"] = [],
        ["AutoLoRa.Cpu"] = ["AutoLoRa.Core"],
        // The emulated runtime takes cuDNN's semantics from the CPU backend.
        ["AutoLoRa.Cuda"] = ["AutoLoRa.Core", "AutoLoRa.Cpu", "AutoLoRa.Kernels", "AutoLoRa.Cuda.Interop"],
        // Models know tensors and their state-dict files, not data, attacks or trainers.
        ["AutoLoRa.Nn"] = ["AutoLoRa.Core", "AutoLoRa.Formats"],
        // Data knows tensors, not models.
        ["AutoLoRa.Data"] = ["AutoLoRa.Core"],
        // Attacks know models, not trainers; an evaluation deals its batches over the replicas of a data-parallel run.
        ["AutoLoRa.Robust"] = ["AutoLoRa.Core", "AutoLoRa.Nn", "AutoLoRa.Formats", "AutoLoRa.Distributed"],
        // Model files: our safetensors models and PyTorch checkpoints, with architecture inference.
        ["AutoLoRa.ModelFiles"] = ["AutoLoRa.Core", "AutoLoRa.Formats", "AutoLoRa.Nn"],
        // Replicas and their collectives know tensors (gradients, statistics), not models or trainers.
        ["AutoLoRa.Distributed"] = ["AutoLoRa.Core", "AutoLoRa.Distributed.Interop"],
        ["AutoLoRa.Training"] = ["AutoLoRa.Core", "AutoLoRa.Nn", "AutoLoRa.Formats", "AutoLoRa.ModelFiles", "AutoLoRa.Data", "AutoLoRa.Robust", "AutoLoRa.Distributed"],
        // Plans of many runs: trains and evaluates through Training, knows no screen. Training's entry
        // point takes the replicas a run is one of, so a plan's cells see the communicator type.
        ["AutoLoRa.Reproduction"] = ["AutoLoRa.Core", "AutoLoRa.Nn", "AutoLoRa.Formats", "AutoLoRa.ModelFiles", "AutoLoRa.Data", "AutoLoRa.Robust", "AutoLoRa.Training", "AutoLoRa.Distributed"],
        // The verification table checks any backend through the contract (no CUDA, no CPU backend:
        // callers hand it the reference backend); its whole-step case trains a model.
        ["AutoLoRa.Verify"] = ["AutoLoRa.Core", "AutoLoRa.Nn", "AutoLoRa.Formats", "AutoLoRa.ModelFiles", "AutoLoRa.Data", "AutoLoRa.Robust", "AutoLoRa.Training"],
        // The screen: the only assembly that may draw, plot or parse a command line.
        ["autolora"] = ["*"],
    };

    /// <summary>Packages that put something on a screen or parse a command line: the CLI's alone.</summary>
    public static string[] ScreenPackages { get; } = ["Spectre.Console", "ScottPlot", "System.CommandLine"];

    /// <summary>Assemblies that must never see a product assembly's internals.</summary>
    public static string[] NoInternalsFor { get; } = ["autolora", "AutoLoRa.Bench"];
}
