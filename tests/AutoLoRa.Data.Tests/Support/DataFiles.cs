using System.Buffers.Binary;
using System.IO.Compression;

namespace AutoLoRa.Data.Tests.Support;

/// <summary>Writers of small, valid dataset files whose pixel values encode their position, for the reader tests.</summary>
public static class DataFiles
{
    /// <summary>Pixel byte of sample n, channel c, row y, column x: distinct enough to catch layout mistakes.</summary>
    public static byte Pixel(int n, int c, int y, int x) => (byte)(n * 31 + c * 101 + y * 7 + x * 3);

    /// <summary>IDX image file bytes: magic 0x803, count, rows, cols, pixels.</summary>
    public static byte[] IdxImages(int count, int rows, int cols)
    {
        var data = new byte[16 + count * rows * cols];
        Header(data, 0x803, count, rows, cols);
        for (int n = 0; n < count; n++)
            for (int y = 0; y < rows; y++)
                for (int x = 0; x < cols; x++)
                    data[16 + (n * rows + y) * cols + x] = Pixel(n, 0, y, x);
        return data;
    }

    /// <summary>IDX label file bytes: magic 0x801, count, labels.</summary>
    public static byte[] IdxLabels(params byte[] labels)
    {
        var data = new byte[8 + labels.Length];
        Header(data, 0x801, labels.Length);
        labels.CopyTo(data, 8);
        return data;
    }

    /// <summary>Writes the magic and dimensions big-endian.</summary>
    public static void Header(byte[] data, uint magic, params int[] dims)
    {
        BinaryPrimitives.WriteUInt32BigEndian(data, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4 + 4 * i), (uint)dims[i]);
    }

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return output.ToArray();
    }

    /// <summary>CIFAR records: label byte(s) then 3×32×32 pixels, CHW.</summary>
    public static byte[] CifarRecords(int firstSample, params byte[][] labelsPerRecord)
    {
        int labelBytes = labelsPerRecord[0].Length;
        int record = labelBytes + 3072;
        var data = new byte[labelsPerRecord.Length * record];
        for (int r = 0; r < labelsPerRecord.Length; r++)
        {
            labelsPerRecord[r].CopyTo(data, r * record);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++)
                        data[r * record + labelBytes + (c * 32 + y) * 32 + x] = Pixel(firstSample + r, c, y, x);
        }
        return data;
    }

    /// <summary>STL-10 images, each channel plane column-major (x outer, y inner), as the real files are.</summary>
    public static byte[] Stl10Images(int count)
    {
        const int side = 96;
        var data = new byte[count * 3 * side * side];
        for (int n = 0; n < count; n++)
            for (int c = 0; c < 3; c++)
                for (int x = 0; x < side; x++)
                    for (int y = 0; y < side; y++)
                        data[((n * 3 + c) * side + x) * side + y] = Pixel(n, c, y, x);
        return data;
    }
}
