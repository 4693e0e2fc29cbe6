using System.CommandLine;
using AutoLoRa.Data.Folders;

namespace AutoLoRa.Cli.Options;

/// <summary>The options that only matter for <c>--data folder:DIR</c>: what to do with corrupt files, and the image size served.</summary>
internal sealed class FolderOptionSet
{
    public Option<CorruptImagePolicy> CorruptImages { get; } = new("--corrupt-images")
    {
        Description = "folder: data: skip (list and leave out) or fail on images that do not decode.",
        DefaultValueFactory = _ => CorruptImagePolicy.Skip,
    };

    public Option<int> ImageSize { get; } = new("--image-size")
    {
        Description = "folder: data: side of the square images served (the reference's 224; the first resize keeps its 256:224 ratio).",
        DefaultValueFactory = _ => 224,
    };

    public Option<long> MaxImagePixels { get; } = new("--max-image-pixels")
    {
        Description = "folder: data: largest image decoded, in pixels (width × height); larger files count as corrupt.",
        DefaultValueFactory = _ => ImageFolderOptions.DefaultMaxPixels,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(CorruptImages);
        command.Options.Add(ImageSize);
        command.Options.Add(MaxImagePixels);
    }

    /// <summary>How an image folder is opened, from the parsed options.</summary>
    public ImageFolderOptions Options(ParseResult r)
    {
        int size = r.GetValue(ImageSize);
        if (size < 1) throw new ArgumentException($"--image-size must be at least 1 (got {size}).");
        long maxPixels = r.GetValue(MaxImagePixels);
        if (maxPixels < 1) throw new ArgumentException($"--max-image-pixels must be at least 1 (got {maxPixels}).");
        return new ImageFolderOptions
        {
            CorruptImages = r.GetValue(CorruptImages),
            CropTo = size,
            MaxPixels = maxPixels,
            ResizeTo = (int)Math.Round(size * 256.0 / 224.0, MidpointRounding.AwayFromZero),
        };
    }
}
