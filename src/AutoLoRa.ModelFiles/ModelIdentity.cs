using System.Security.Cryptography;

namespace AutoLoRa.ModelFiles;

/// <summary>
/// A short content hash of a model file. Resumable evaluation state is keyed by it, so state saved
/// for one model is never resumed for another that was written to the same path; reproduction
/// plans identify their checkpoint backbones by it.
/// </summary>
public static class ModelIdentity
{
    /// <summary>The first 12 hex digits of the SHA-256 of the file at <paramref name="path"/>.</summary>
    public static string Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..12];
    }
}
