using System.Runtime.InteropServices;

namespace AutoLoRa.Formats;

/// <summary>
/// Copies between typed element spans and little-endian byte spans. Copying byte-wise (rather
/// than reinterpreting) means the source bytes need no alignment: safetensors files from older
/// or third-party writers may place tensors at any offset.
/// </summary>
internal static class LittleEndian
{
    public static byte[] ToBytes<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian)
            SwapEach(bytes, Marshal.SizeOf<T>());
        return bytes;
    }

    public static T[] FromBytes<T>(ReadOnlySpan<byte> bytes) where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        var values = new T[bytes.Length / size];
        var target = MemoryMarshal.AsBytes(values.AsSpan());
        bytes[..target.Length].CopyTo(target);
        if (!BitConverter.IsLittleEndian)
            SwapEach(target, size);
        return values;
    }

    private static void SwapEach(Span<byte> bytes, int size)
    {
        if (size == 1)
            return;
        for (int i = 0; i + size <= bytes.Length; i += size)
            bytes.Slice(i, size).Reverse();
    }
}
