using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

public abstract partial class BackendConformanceTests
{
    [BackendFact]
    public void ResizeBilinear_2x2_to_4x4_gives_the_hand_computed_values()
    {
        // Along each axis scale = 2/4 and s = max(0.5·(d + ½) − ½, 0) = 0, 0.25, 0.75, 1.25 for
        // d = 0..3: taps (0,1) with weights (1,0), (¾,¼), (¼,¾), and (1,1) clamped at the edge, so a
        // row [a, b] becomes [a, ¾a + ¼b, ¼a + ¾b, b]. PyTorch's F.interpolate(..., (4, 4),
        // mode='bilinear', align_corners=False) of [[1, 2], [3, 4]] prints the same 16 numbers.
        float[] expected =
        [
            1.00f, 1.25f, 1.75f, 2.00f,
            1.50f, 1.75f, 2.25f, 2.50f,
            2.50f, 2.75f, 3.25f, 3.50f,
            3.00f, 3.25f, 3.75f, 4.00f,
        ];
        using var s = new Scope(this);
        var y = s.Filled(16, float.NaN);
        Backend.ResizeBilinearForward(new ResizeGeometry(1, 1, 2, 2, 4, 4), s.Upload(new float[] { 1, 2, 3, 4 }), y);
        Assert.Equal(expected, Download(y));

        // The gradient of Σ y is each input's total weight: by symmetry 4 for every input.
        var dx = s.Filled(4, float.NaN);
        Backend.ResizeBilinearBackward(new ResizeGeometry(1, 1, 2, 2, 4, 4), s.Upload(Enumerable.Repeat(1f, 16).ToArray()), dx);
        Assert.Equal(new float[] { 4, 4, 4, 4 }, Download(dx));
    }

    [BackendFact]
    public void ResizeBilinear_2x3_to_3x5_gives_the_hand_computed_values()
    {
        // Columns: scale 3/5, s = 0 (clamped), 0.4, 1.0, 1.6, 2.2 → [a, .6a+.4b, b, .4b+.6c, c]
        // (the last clamps i1 to 2). Rows: scale 2/3, s = 0, 0.5, 1.1667 → [r0, (r0+r1)/2, r1].
        float[] expected =
        [
            0.0f, 0.4f, 1.0f, 1.6f, 2.0f,
            1.5f, 1.9f, 2.5f, 3.1f, 3.5f,
            3.0f, 3.4f, 4.0f, 4.6f, 5.0f,
        ];
        using var s = new Scope(this);
        var y = s.Filled(15, float.NaN);
        Backend.ResizeBilinearForward(new ResizeGeometry(1, 1, 2, 3, 3, 5), s.Upload(new float[] { 0, 1, 2, 3, 4, 5 }), y);
        TestData.AssertClose(expected, Download(y), 1e-6f, 1e-6f, "2x3 -> 3x5");
    }

    [BackendFact]
    public void ResizeBilinear_rejects_bad_geometry_and_short_buffers()
    {
        var g = new ResizeGeometry(2, 3, 4, 4, 8, 8);
        using var s = new Scope(this);
        var x = s.Filled(g.InputSize, 0);
        var y = s.Filled(g.OutputSize, 0);
        Assert.Throws<ArgumentException>(() => Backend.ResizeBilinearForward(g with { OutW = 0 }, x, y));
        var e = Assert.Throws<BackendException>(() => Backend.ResizeBilinearForward(g, x, s.Filled(g.OutputSize - 1, 0)));
        Assert.Contains("ResizeBilinearForward: y", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.ResizeBilinearBackward(g, y, s.Filled(g.InputSize - 1, 0)));
        Assert.Contains("ResizeBilinearBackward: dx", e.Message);
    }

    /// <summary>
    /// (input size, output size, the input index PyTorch 1.13's F.interpolate(mode='nearest') reads
    /// for each output index along an axis), printed by Reference/nearest_indices.py.
    /// </summary>
    private static readonly (int In, int Out, string Indices)[] PyTorchNearest =
    [
        (32, 224, "0 0 0 0 0 0 0 1 1 1 1 1 1 1 2 2 2 2 2 2 2 3 3 3 3 3 3 3 4 4 4 4 4 4 4 5 5 5 5 5 5 5 6 6 6 6 6 6 6 7 7 7 7 7 7 7 8 8 8 8 8 8 8 9 9 9 9 9 9 9 10 10 10 10 10 10 10 11 11 11 11 11 11 11 12 12 12 12 12 12 12 13 13 13 13 13 13 13 14 14 14 14 14 14 14 15 15 15 15 15 15 15 16 16 16 16 16 16 16 17 17 17 17 17 17 17 18 18 18 18 18 18 18 19 19 19 19 19 19 19 20 20 20 20 20 20 20 21 21 21 21 21 21 21 22 22 22 22 22 22 22 23 23 23 23 23 23 23 24 24 24 24 24 24 24 25 25 25 25 25 25 25 26 26 26 26 26 26 26 27 27 27 27 27 27 27 28 28 28 28 28 28 28 29 29 29 29 29 29 29 30 30 30 30 30 30 30 31 31 31 31 31 31 31"),
        (28, 224, "0 0 0 0 0 0 0 0 1 1 1 1 1 1 1 1 2 2 2 2 2 2 2 2 3 3 3 3 3 3 3 3 4 4 4 4 4 4 4 4 5 5 5 5 5 5 5 5 6 6 6 6 6 6 6 6 7 7 7 7 7 7 7 7 8 8 8 8 8 8 8 8 9 9 9 9 9 9 9 9 10 10 10 10 10 10 10 10 11 11 11 11 11 11 11 11 12 12 12 12 12 12 12 12 13 13 13 13 13 13 13 13 14 14 14 14 14 14 14 14 15 15 15 15 15 15 15 15 16 16 16 16 16 16 16 16 17 17 17 17 17 17 17 17 18 18 18 18 18 18 18 18 19 19 19 19 19 19 19 19 20 20 20 20 20 20 20 20 21 21 21 21 21 21 21 21 22 22 22 22 22 22 22 22 23 23 23 23 23 23 23 23 24 24 24 24 24 24 24 24 25 25 25 25 25 25 25 25 26 26 26 26 26 26 26 26 27 27 27 27 27 27 27 27"),
        (96, 224, "0 0 0 1 1 2 2 3 3 3 4 4 5 5 6 6 6 7 7 8 8 9 9 9 10 10 11 11 12 12 12 13 13 14 14 15 15 15 16 16 17 17 18 18 18 19 19 20 20 21 21 21 22 22 23 23 24 24 24 25 25 26 26 27 27 27 28 28 29 29 30 30 30 31 31 32 32 33 33 33 34 34 35 35 36 36 36 37 37 38 38 39 39 39 40 40 41 41 42 42 42 43 43 44 44 45 45 45 46 46 47 47 48 48 48 49 49 50 50 51 51 51 52 52 53 53 54 54 54 55 55 56 56 57 57 57 58 58 59 59 60 60 60 61 61 62 62 63 63 63 64 64 65 65 66 66 66 67 67 68 68 69 69 69 70 70 71 71 72 72 72 73 73 74 74 75 75 75 76 76 77 77 78 78 78 79 79 80 80 81 81 81 82 82 83 83 84 84 84 85 85 86 86 87 87 87 88 88 89 89 90 90 90 91 91 92 92 93 93 93 94 94 95 95"),
        (32, 100, "0 0 0 0 1 1 1 2 2 2 3 3 3 4 4 4 5 5 5 6 6 6 7 7 7 8 8 8 8 9 9 9 10 10 10 11 11 11 12 12 12 13 13 13 14 14 14 15 15 15 16 16 16 16 17 17 17 18 18 18 19 19 19 20 20 20 21 21 21 22 22 22 23 23 23 24 24 24 24 25 25 25 26 26 26 27 27 27 28 28 28 29 29 29 30 30 30 31 31 31"),
        (7, 3, "0 2 4"),
        (224, 32, "0 7 14 21 28 35 42 49 56 63 70 77 84 91 98 105 112 119 126 133 140 147 154 161 168 175 182 189 196 203 210 217"),
        (5, 7, "0 0 1 2 2 3 4"),
    ];

    public static TheoryData<int> PyTorchNearestRows => [.. Enumerable.Range(0, PyTorchNearest.Length)];

    [BackendTheory]
    [MemberData(nameof(PyTorchNearestRows))]
    public void ResizeNearest_reads_the_pixels_PyTorch_reads(int row)
    {
        // Each input pixel holds its own flat index, so the output spells out which pixel each output read.
        var (size, outSize, text) = PyTorchNearest[row];
        int[] index = [.. text.Split(' ').Select(int.Parse)];
        var g = new ResizeGeometry(1, 1, size, size, outSize, outSize, ResizeMode.Nearest);
        using var s = new Scope(this);
        var y = s.Filled(g.OutputSize, float.NaN);
        Backend.ResizeBilinearForward(g, s.Upload(Enumerable.Range(0, g.InputSize).Select(i => (float)i).ToArray()), y);
        var expected = new float[g.OutputSize];
        for (int a = 0; a < outSize; a++)
        {
            for (int b = 0; b < outSize; b++) expected[a * outSize + b] = index[a] * size + index[b];
        }
        Assert.Equal(expected, Download(y));

        // The backward counts how many outputs read each input.
        var dx = s.Filled(g.InputSize, float.NaN);
        Backend.ResizeBilinearBackward(g, s.Upload(Enumerable.Repeat(1f, g.OutputSize).ToArray()), dx);
        var reads = new float[g.InputSize];
        foreach (float i in expected) reads[(int)i]++;
        Assert.Equal(reads, Download(dx));
    }
}
