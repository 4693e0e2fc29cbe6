using System.Security.Cryptography;

namespace AutoLoRa.Robust;

/// <summary>
/// The labelled clean points a robustness evaluation attacks, fetched a batch of rows at a time, so
/// an evaluation over thousands of large images never holds them all in memory (an image folder
/// decodes the rows asked for). <see cref="AttackBatch"/> is the in-memory case.
/// </summary>
public interface IAttackPoints
{
    /// <summary>Points to attack.</summary>
    int Count { get; }

    /// <summary>Channels per image.</summary>
    int Channels { get; }

    /// <summary>Image height.</summary>
    int Height { get; }

    /// <summary>Image width.</summary>
    int Width { get; }

    /// <summary>The points at <paramref name="rows"/> (in that order), pixels in [0, 1].</summary>
    AttackBatch Select(IReadOnlyList<int> rows);

    /// <summary>
    /// Adds every point's pixels (NCHW floats, in row order) and then every label to
    /// <paramref name="hash"/>, so a saved evaluation state is only resumed for the same points.
    /// </summary>
    void AppendContent(IncrementalHash hash);
}
