using AutoLoRa.Core.Backends;
using AutoLoRa.Data;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Training.Reproduction;

/// <summary>
/// Where a plan's data and backbones come from. <see cref="FileSources"/> reads data specs and
/// model files; tests give in-memory data; the CLI adds PyTorch checkpoint import.
/// </summary>
public interface IPlanSources
{
    /// <summary>Why <paramref name="spec"/> cannot be loaded (unknown kind, missing directory), or null when it can.</summary>
    string? DataProblem(string spec);

    /// <summary>The training split: the class subset, then at most <paramref name="limit"/> images chosen with <paramref name="seed"/>.</summary>
    IImageSet Train(string spec, string? classes, int? limit, int seed);

    /// <summary>The test split: the class subset, then its first <paramref name="limit"/> images.</summary>
    IImageSet Test(string spec, string? classes, int? limit);

    /// <summary>A pre-trained model on <paramref name="backend"/>, made ready to fine-tune: LoRA merged, a new head for <paramref name="classes"/>.</summary>
    Classifier OpenBackbone(Backend backend, string path, int classes, int channels);
}
