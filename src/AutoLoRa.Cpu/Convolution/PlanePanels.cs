using AutoLoRa.Cpu.Gemm;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// A run of images (Channels, P) laid side by side as one (Channels × images·P) matrix, as a GEMM
/// panel source: element (k, j) is channel k, pixel j mod P of image j / P. Lets the data gradient
/// of a strided convolution multiply a whole group of images' output gradients in one GEMM.
/// </summary>
internal readonly unsafe struct PlanePanels(float* images, int channels, int planes) : IPanelSource
{
    public void Pack(int p0, int kc, int j0, int cols, int nr, float* dst)
    {
        long imageSize = (long)channels * planes;
        for (int jr = 0; jr < cols; jr += nr, dst += (long)kc * nr)
        {
            int width = Math.Min(nr, cols - jr);
            for (int column = 0; column < width;)
            {
                int j = j0 + jr + column;
                int n = j / planes, q = j - n * planes;
                int length = Math.Min(planes - q, width - column);
                float* src = images + n * imageSize + (long)p0 * planes + q;
                float* d = dst + column;
                for (int p = 0; p < kc; p++, src += planes, d += nr) Packing.CopyRun(src, d, length);
                column += length;
            }
            if (width < nr)
            {
                for (int p = 0; p < kc; p++) new Span<float>(dst + (long)p * nr + width, nr - width).Clear();
            }
        }
    }
}
