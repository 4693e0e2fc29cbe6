namespace AutoLoRa.Core.Tests.Support;

/// <summary>Seeded random inputs and tolerant comparisons shared by the test classes.</summary>
public static class TestData
{
    /// <summary>Uniform values in [lo, hi) from a fixed seed, so failures reproduce (the verification table's generator).</summary>
    public static float[] Uniform(int count, int seed, float lo = -1f, float hi = 1f) => new Verify.SeededData(seed).Uniform(count, lo, hi);

    /// <summary>Asserts |expected − actual| ≤ atol + rtol·|expected| element by element, naming the first bad index.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float rtol = 1e-4f, float atol = 1e-5f, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i];
            float a = actual[i];
            if (float.IsNaN(a) || Math.Abs(e - a) > atol + rtol * Math.Abs(e))
            {
                Assert.Fail($"{what} element {i}: expected {e}, got {a} (|diff| {Math.Abs(e - a)}, tolerance {atol + rtol * Math.Abs(e)}).");
            }
        }
    }
}
