using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Core.Tests.Reference;

/// <summary>The closed-form references checked against finite differences, so a wrong reference cannot bless a wrong backend.</summary>
public sealed class ReferenceSelfTests
{
    [Fact]
    public void BatchNorm_backward_reference_matches_finite_differences()
    {
        const int n = 2, c = 2, hw = 3;
        const double eps = 1e-5, h = 1e-3;
        float[] x = TestData.Uniform(n * c * hw, 51);
        float[] dy = TestData.Uniform(n * c * hw, 52);
        float[] gamma = [0.7f, 1.3f];
        float[] beta = [0.1f, -0.2f];
        var (dx, dgamma, dbeta) = BatchNormReference.Backward(n, c, hw, x, dy, gamma, eps);

        double Loss(float[] xs, float[] g, float[] b)
        {
            var y = BatchNormReference.ForwardTraining(n, c, hw, xs, g, b, new float[c], new float[c], 0.1, eps).Y;
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += (double)y[i] * dy[i];
            return sum;
        }

        double Numeric(float[] target, int i, Func<double> loss)
        {
            float keep = target[i];
            target[i] = keep + (float)h;
            double up = loss();
            target[i] = keep - (float)h;
            double down = loss();
            target[i] = keep;
            return (up - down) / (2 * h);
        }

        for (int i = 0; i < x.Length; i++) Assert.Equal(Numeric(x, i, () => Loss(x, gamma, beta)), dx[i], 2e-2);
        for (int i = 0; i < c; i++)
        {
            Assert.Equal(Numeric(gamma, i, () => Loss(x, gamma, beta)), dgamma[i], 2e-2);
            Assert.Equal(Numeric(beta, i, () => Loss(x, gamma, beta)), dbeta[i], 2e-2);
        }
    }
}
