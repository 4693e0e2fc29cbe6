namespace AutoLoRa.Nn.Models.Vit;

/// <summary>
/// A learned position embedding carried to another patch grid, as timm's
/// <c>resample_abs_pos_embed</c> does when a checkpoint meets another image size: the class token's
/// embedding is kept, the grid's (g×g, D) embeddings are resized as a D-channel g×g image to the new
/// grid by PyTorch's <c>F.interpolate(mode='bicubic', antialias=True, align_corners=False)</c>.
/// <para>
/// That interpolation is separable, first along the width, then along the height. Output index i
/// samples the input around centre c = (i + ½)·s with s = in/out; the cubic kernel (Keys, a = −½, the
/// antialiased variant's choice) is stretched by s when shrinking (s &gt; 1), so every input
/// contributes; taps outside the image are dropped and the remaining weights renormalised to sum
/// to one. Runs once at load time on the host, in double.
/// </para>
/// </summary>
public static class PositionEmbeddingResampling
{
    /// <summary>
    /// The (1 + newGrid², width) embedding of <paramref name="embedding"/> ((1 + oldGrid², width),
    /// token-major, the class token first) on a <paramref name="newGrid"/>×<paramref name="newGrid"/> grid.
    /// </summary>
    /// <exception cref="ArgumentException">The embedding's length is not (1 + oldGrid²)·width, or a size is not positive.</exception>
    public static float[] Resample(ReadOnlySpan<float> embedding, int width, int oldGrid, int newGrid)
    {
        if (width < 1 || oldGrid < 1 || newGrid < 1) throw new ArgumentException($"width {width} and grids {oldGrid} → {newGrid} must be positive.");
        if (embedding.Length != (1 + oldGrid * oldGrid) * width)
        {
            throw new ArgumentException($"a position embedding for a {oldGrid}×{oldGrid} grid of width {width} has {(1 + oldGrid * oldGrid) * width} values, not {embedding.Length}.");
        }
        var result = new float[(1 + newGrid * newGrid) * width];
        embedding[..width].CopyTo(result);
        var taps = Taps(oldGrid, newGrid);
        // Along the width first: (oldGrid rows, newGrid columns) per channel, then along the height.
        var rows = new double[oldGrid * newGrid * width];
        for (int y = 0; y < oldGrid; y++)
        {
            for (int x = 0; x < newGrid; x++)
            {
                var (first, weights) = taps[x];
                for (int k = 0; k < weights.Length; k++)
                {
                    int from = 1 + y * oldGrid + first + k;
                    for (int c = 0; c < width; c++) rows[(y * newGrid + x) * width + c] += weights[k] * embedding[from * width + c];
                }
            }
        }
        for (int y = 0; y < newGrid; y++)
        {
            var (first, weights) = taps[y];
            for (int x = 0; x < newGrid; x++)
            {
                int to = (1 + y * newGrid + x) * width;
                for (int c = 0; c < width; c++)
                {
                    double sum = 0;
                    for (int k = 0; k < weights.Length; k++) sum += weights[k] * rows[((first + k) * newGrid + x) * width + c];
                    result[to + c] = (float)sum;
                }
            }
        }
        return result;
    }

    /// <summary>For each output index, the first input index it reads and the normalised weights of the inputs from there on.</summary>
    private static (int First, double[] Weights)[] Taps(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double stretch = Math.Max(scale, 1.0);
        double support = 2.0 * stretch;
        var taps = new (int, double[])[outSize];
        for (int i = 0; i < outSize; i++)
        {
            double centre = scale * (i + 0.5);
            int first = Math.Max((int)(centre - support + 0.5), 0);
            int last = Math.Min((int)(centre + support + 0.5), inSize);
            var weights = new double[last - first];
            double total = 0;
            for (int j = 0; j < weights.Length; j++) total += weights[j] = Cubic((first + j - centre + 0.5) / stretch);
            for (int j = 0; j < weights.Length; j++) weights[j] /= total;
            taps[i] = (first, weights);
        }
        return taps;
    }

    /// <summary>Keys' cubic convolution kernel with a = −½.</summary>
    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        return x < 2 ? (((x - 5) * x + 8) * x - 4) * a : 0;
    }
}
