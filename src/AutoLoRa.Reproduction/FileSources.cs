using AutoLoRa.Core.Backends;
using AutoLoRa.Data;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Reproduction;

/// <summary>
/// Data from data specs on disk (<see cref="DataSelection"/>); backbones opened by
/// <paramref name="openBackbone"/> (the CLI's loader, which also converts PyTorch checkpoints).
/// </summary>
public sealed class FileSources(Func<Backend, string, int, int, Classifier> openBackbone) : IPlanSources
{
    /// <inheritdoc/>
    public string? DataProblem(string spec)
    {
        try
        {
            var source = DataSource.Parse(spec);
            if (!Directory.Exists(source.Directory)) return $"{source.Directory}: directory not found. {DataSource.MissingHint(source.Kind)}";
            return source.Kind == DataKind.Folder ? $"{spec}: image folders are not supported by reproduction plans yet (they need in-memory, fixed-size data)." : null;
        }
        catch (DataFormatException e)
        {
            return e.Message;
        }
    }

    /// <inheritdoc/>
    public IImageSet Train(string spec, string? classes, int? limit, int seed) => DataSelection.Train(spec, classes, limit, seed).Data;

    /// <inheritdoc/>
    public IImageSet Test(string spec, string? classes, int? limit) => DataSelection.Test(spec, classes, limit);

    /// <inheritdoc/>
    public Classifier OpenBackbone(Backend backend, string path, int classes, int channels) => openBackbone(backend, path, classes, channels);
}
