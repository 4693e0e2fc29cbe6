namespace AutoLoRa.Cpu.Simd;

/// <summary>
/// How many rows of a <see cref="RegisterTile{TV, TOps, THeight}"/> are live, as a type, so the
/// rows beyond it are removed at compile time rather than tested at run time.
/// </summary>
internal interface ITileHeight
{
    static abstract int Rows { get; }
}

/// <summary>Eight rows: 16 accumulators, for 32-register files (AVX-512).</summary>
internal struct EightRows : ITileHeight
{
    public static int Rows => 8;
}

/// <summary>Six rows: 12 accumulators, leaving 4 of 16 ymm registers for B and the broadcast (AVX2).</summary>
internal struct SixRows : ITileHeight
{
    public static int Rows => 6;
}

/// <summary>Four rows: 8 accumulators, for the portable 128-bit kernel.</summary>
internal struct FourRows : ITileHeight
{
    public static int Rows => 4;
}
