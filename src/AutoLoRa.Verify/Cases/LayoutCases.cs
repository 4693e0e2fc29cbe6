using static AutoLoRa.Verify.GradientLeaves;
using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify.Cases;

/// <summary>
/// The layout primitive (kernels/layout.cu) against an index-by-index host reference, and the
/// finite-difference cases of the vision transformer's token ops (Ops.Tokens.cs).
/// </summary>
public static class LayoutCases
{
    /// <summary>
    /// (outer, a, b, inner): single floats (the patch embedding's (N, D, P) → (N, P, D)); ViT-Ti's
    /// head split (N, T, 3·H, Dh) for a small batch; sizes of no common factor; a degenerate axis.
    /// </summary>
    public static readonly (int Outer, int A, int B, int Inner)[] Shapes = [(2, 7, 5, 1), (2, 65, 9, 64), (3, 5, 7, 3), (1, 1, 4, 6)];

    private static readonly Tolerance Moved = Tolerance.Exact("floats are moved, not computed");

    /// <summary>x (outer, a, b, inner) swapped into y, then y swapped back into a second buffer, which must equal x.</summary>
    public static PrimitiveCase SwapAxes(int outer, int a, int b, int inner)
    {
        int n = outer * a * b * inner;
        var x = new SeededData(61 + n).Uniform(n);
        var c = new CaseBuffers();
        int px = c.In(x), py = c.Out(n, Moved, "y"), pback = c.Out(n, Moved, "swapped back");
        string shape = $"{outer}×{a}×{b}×{inner}";
        return new PrimitiveCase
        {
            Family = "layout", Name = $"swap_axes {shape}", Shape = shape, Buffers = c,
            Run = (be, buf) =>
            {
                be.SwapAxes(outer, a, b, inner, buf[px], buf[py]);
                be.SwapAxes(outer, b, a, inner, buf[py], buf[pback]);
            },
            HostReference = _ =>
            {
                var y = new float[n];
                for (int o = 0; o < outer; o++)
                for (int i = 0; i < a; i++)
                for (int j = 0; j < b; j++)
                for (int r = 0; r < inner; r++)
                    y[((o * b + j) * a + i) * inner + r] = x[((o * a + i) * b + j) * inner + r];
                return [y, x];
            },
            Cost = new([new("swap_axes_f32", n, n), new("swap_axes_f32", n, n)]),
        };
    }

    /// <summary>
    /// (samples, tokens, width): ViT-Ti/4's 65 tokens of 192 for a small batch; one sample of a
    /// width of no common factor with the rest; a single patch of a single float (at least two tokens: the class token and one patch).
    /// </summary>
    public static readonly (int N, int T, int D)[] TokenShapes = [(3, 65, 192), (1, 5, 7), (4, 2, 1)];

    /// <summary>
    /// The class token's path through <see cref="Backend.CopyRows"/>, three strided copies: the token
    /// repeated in front of every sample's sequence (source stride 0), the patches behind it, then
    /// token 1 (each sample's first patch) taken out again.
    /// </summary>
    public static PrimitiveCase CopyRows(int n, int t, int d)
    {
        int p = t - 1;
        var token = new SeededData(81 + d).Uniform(d);
        var x = new SeededData(82 + n * t * d).Uniform(n * p * d);
        var c = new CaseBuffers();
        int ptoken = c.In(token), px = c.In(x), py = c.Out(n * t * d, Moved, "sequences"), pz = c.Out(n * d, Moved, "token 1");
        string shape = $"{n}×{t}×{d}";
        return new PrimitiveCase
        {
            Family = "layout", Name = $"copy_rows tokens {shape}", Shape = shape, Buffers = c,
            Run = (be, buf) =>
            {
                be.CopyRows(n, d, buf[ptoken], 0, 0, buf[py], 0, t * d);
                be.CopyRows(n, p * d, buf[px], 0, p * d, buf[py], d, t * d);
                be.CopyRows(n, d, buf[py], d, t * d, buf[pz], 0, d);
            },
            HostReference = _ =>
            {
                var y = new float[n * t * d];
                var z = new float[n * d];
                for (int i = 0; i < n; i++)
                for (int k = 0; k < d; k++)
                {
                    y[i * t * d + k] = token[k];
                    for (int j = 0; j < p; j++) y[(i * t + 1 + j) * d + k] = x[(i * p + j) * d + k];
                    z[i * d + k] = x[i * p * d + k];
                }
                return [y, z];
            },
            Cost = new([new("copy_rows_f32", n * d, n * d), new("copy_rows_f32", n * p * d, n * p * d), new("copy_rows_f32", n * d, n * d)]),
        };
    }

    /// <summary>The token ops' backward rules against finite differences.</summary>
    public static IEnumerable<GradientCase> Gradients()
    {
        const string family = "layout";
        yield return GradientCase.Of(family, "swap_axes middle of 2x3x4x2", b => [Uniform(b, new Shape(2, 3, 4, 2), 71)], t => Ops.SwapAxes(t[0], 1));
        yield return GradientCase.Of(family, "swap_axes first of 3x4x5", b => [Uniform(b, new Shape(3, 4, 5), 72)], t => Ops.SwapAxes(t[0], 0));
        yield return GradientCase.Of(family, "prepend_token to x and token 2x3x4",
            b => [Uniform(b, new Shape(2, 3, 4), 73), Uniform(b, new Shape(1, 1, 4), 74)], t => Ops.PrependToken(t[0], t[1]));
        yield return GradientCase.Of(family, "add_to_each_sample to x and p 3x2x4",
            b => [Uniform(b, new Shape(3, 2, 4), 75), Uniform(b, new Shape(1, 2, 4), 76)], t => Ops.AddToEachSample(t[0], t[1]));
        yield return GradientCase.Of(family, "token 1 of 2x3x4", b => [Uniform(b, new Shape(2, 3, 4), 77)], t => Ops.Token(t[0], 1));
    }
}
