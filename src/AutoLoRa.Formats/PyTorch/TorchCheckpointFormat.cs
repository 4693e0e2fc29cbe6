namespace AutoLoRa.Formats.PyTorch;

/// <summary>How a <c>torch.save</c> file is laid out.</summary>
public enum TorchCheckpointFormat
{
    /// <summary>PyTorch ≥ 1.6 default: an uncompressed zip with data.pkl and one record per storage.</summary>
    Zip,
    /// <summary>Pre-1.6 stream (or <c>_use_new_zipfile_serialization=False</c>): pickles followed by raw storages.</summary>
    Legacy,
}
