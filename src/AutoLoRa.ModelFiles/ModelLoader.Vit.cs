using System.Runtime.InteropServices;
using AutoLoRa.Core;
using AutoLoRa.Formats;
using AutoLoRa.Nn.Models;
using AutoLoRa.Nn.Models.Vit;

namespace AutoLoRa.ModelFiles;

/// <summary>
/// Vision transformer checkpoints (timm's names, or torchvision's mapped onto them): the size is told
/// from the patch embedding (patch side, width, channels) and the number of blocks, the image size
/// from the position embedding's grid, and a position embedding laid out for another grid is
/// resampled on the way in (<see cref="PositionEmbeddingResampling"/>).
/// </summary>
public static partial class ModelLoader
{
    private const string PatchWeight = "patch_embed.proj.weight", Positions = "pos_embed";

    /// <summary>Whether the mapped tensor names are a vision transformer's.</summary>
    private static bool IsVit(IReadOnlyDictionary<string, IReadOnlyList<long>> shapes) =>
        shapes.ContainsKey(PatchWeight) && shapes.ContainsKey(Positions);

    /// <summary>The vision transformer the shapes describe, with what the settings fix instead.</summary>
    private static ModelSpec DescribeVit(string path, IReadOnlyDictionary<string, IReadOnlyList<long>> shapes, ImportSettings s, List<string> inferred)
    {
        var patch = shapes[PatchWeight];
        var pos = shapes[Positions];
        if (patch.Count != 4 || patch[2] != patch[3] || pos.Count != 3)
        {
            throw new CheckpointException($"{path}: {PatchWeight} [{string.Join(", ", patch)}] and {Positions} [{string.Join(", ", pos)}] are not a ViT's square patch embedding and (1, tokens, width) positions");
        }
        int width = (int)patch[0], channels = (int)patch[1], side = (int)patch[2];
        int grid = (int)Math.Round(Math.Sqrt(pos[1] - 1));
        if (grid < 1 || 1 + (long)grid * grid != pos[1])
        {
            throw new CheckpointException($"{path}: {Positions} has {pos[1]} tokens, not a class token and a square grid; " +
                "checkpoints with a distillation token or without a class token are not supported");
        }
        int depth = shapes.Keys.Where(k => k.StartsWith("blocks.", StringComparison.Ordinal))
            .Select(k => int.TryParse(k.Split('.')[1], out int i) ? i + 1 : 0).DefaultIfEmpty(0).Max();

        var size = s.Architecture is { } named ? VitSize.Find(named) : VitSize.All.FirstOrDefault(v => v.Patch == side && v.Width == width && v.Depth == depth);
        if (size is null)
        {
            throw new CheckpointException(
                $"{path}: a ViT with {side}×{side} patches, width {width} and {depth} blocks is none of {string.Join(", ", VitSize.All.Select(v => v.Name))}",
                new SettingException(ImportSettings.Keys.Architecture, k => $"give {k} if one of them is meant"));
        }
        if (size.Patch != side || size.Width != width || size.Depth != depth)
        {
            throw new CheckpointException($"{path}: {size.Name} has {size.Patch}×{size.Patch} patches, width {size.Width} and {size.Depth} blocks; the checkpoint has {side}, {width} and {depth}",
                new SettingException(ImportSettings.Keys.Architecture, k => $"leave {k} out"));
        }
        if (s.Architecture is null) inferred.Add($"architecture {size.Name}");
        int imageSize = s.ImageSize ?? grid * side;
        if (s.ImageSize is null) inferred.Add($"image size {imageSize} (a {grid}×{grid} grid)");
        else if (s.ImageSize != grid * side) inferred.Add($"position embedding resampled from a {grid}×{grid} grid to {imageSize / side}×{imageSize / side}");

        shapes.TryGetValue("head.weight", out var head);
        int? classes = s.Classes ?? (head is { Count: 2 } ? (int)head[0] : s.FallbackClasses);
        if (classes is null)
        {
            throw new CheckpointException($"{path}: the checkpoint has no classifier (head.weight)",
                new SettingException(ImportSettings.Keys.Classes, k => $"give it a zero-initialised head with {k}"));
        }
        if (s.Classes is null && head is not null) inferred.Add($"{classes} classes");
        if (head is { Count: 2 } && head[0] != classes)
        {
            throw new CheckpointException($"{path}: {classes} classes contradict the checkpoint's classifier head.weight of shape [{string.Join(", ", head)}]",
                new SettingException(ImportSettings.Keys.Classes, k => $"leave {k} out"));
        }
        var (mean, std) = Normalization(s.Normalization, StemKind.ImageNet, channels);
        var spec = new ModelSpec(size.Name, classes.Value, channels, Mean: mean, Std: std, ImageSize: imageSize);
        try
        {
            spec.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"{path}: {e.Message}", new SettingException(ImportSettings.Keys.ImageSize, k => $"check {k}"), e);
        }
        return spec;
    }

    /// <summary>The state dict with its position embedding carried to the model's grid when the checkpoint's differs.</summary>
    private static IReadOnlyDictionary<string, SafeTensorEntry> FitPositions(IReadOnlyDictionary<string, SafeTensorEntry> stateDict, VisionTransformer model)
    {
        if (!stateDict.TryGetValue(Positions, out var entry)) return stateDict;
        int width = model.Size.Width, grid = model.Grid;
        int tokens = (int)entry.Shape[1], oldGrid = (int)Math.Round(Math.Sqrt(tokens - 1));
        if (oldGrid == grid) return stateDict;
        var values = MemoryMarshal.Cast<byte, float>(entry.Data.Span);
        var resampled = PositionEmbeddingResampling.Resample(values, width, oldGrid, grid);
        var fitted = new Dictionary<string, SafeTensorEntry>(stateDict, StringComparer.Ordinal)
        {
            [Positions] = SafeTensorEntry.FromFloat32(Positions, [1, 1 + grid * grid, width], resampled),
        };
        return fitted;
    }
}
