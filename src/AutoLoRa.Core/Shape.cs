using System.Collections.Immutable;

namespace AutoLoRa.Core;

/// <summary>
/// The dimensions of a tensor, outermost first (NCHW for images). Immutable and compared by value,
/// so shapes can be checked and used as dictionary keys without ceremony.
/// </summary>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly ImmutableArray<int> _dims;

    /// <summary>A shape of the given dimensions (a span, and the dimension array is shared through <see cref="ShapeInterning"/>, so <c>new Shape(n, c, h, w)</c> usually allocates nothing).</summary>
    public Shape(params ReadOnlySpan<int> dims)
    {
        foreach (int d in dims)
        {
            if (d < 0) throw new ArgumentException($"Shape {Format(dims)} has a negative dimension.", nameof(dims));
        }
        _dims = ShapeInterning.Dims(dims);
        long count = 1;
        foreach (int d in dims) count *= d;
        if (count > int.MaxValue) throw new ArgumentException($"Shape {Format(dims)} has more than {int.MaxValue} elements.", nameof(dims));
        _elementCountMinusOne = (int)count - 1;
    }

    /// <summary>The shape of a one-element, zero-dimensional tensor (a loss).</summary>
    public static Shape Scalar { get; } = new();

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims.IsDefault ? 0 : _dims.Length;

    private readonly int _elementCountMinusOne;

    /// <summary>Product of the dimensions (1 for a scalar, including default(Shape)).</summary>
    public int ElementCount => _elementCountMinusOne + 1;

    /// <summary>The size of <paramref name="axis"/>; negative axes count from the end.</summary>
    public int this[int axis] => _dims[axis < 0 ? axis + Rank : axis];

    /// <summary>The sizes as a new array.</summary>
    public int[] ToArray() => _dims.IsDefault ? [] : [.. _dims];

    /// <summary>The sizes as a read-only view of the shared dimension array: an op that derives its output shape copies them into a stack span instead of allocating <see cref="ToArray"/>'s array on every call.</summary>
    public ReadOnlySpan<int> AsSpan() => _dims.IsDefault ? default : _dims.AsSpan();

    /// <summary>Same rank and sizes.</summary>
    public bool Equals(Shape other) => Rank == other.Rank && (Rank == 0 || _dims.SequenceEqual(other._dims));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        for (int i = 0; i < Rank; i++) h.Add(_dims[i]);
        return h.ToHashCode();
    }

    /// <summary>Same rank and sizes.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    /// <summary>Another rank or size.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <inheritdoc/>
    public override string ToString() => Format(ToArray());

    private static string Format(ReadOnlySpan<int> dims) => "[" + string.Join(", ", dims.ToArray()) + "]";
}
