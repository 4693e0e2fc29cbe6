namespace AutoLoRa.Core.Backends;

/// <summary>Elementwise primitives and reductions (length = element count; outputs may alias inputs).</summary>
public abstract partial class Backend
{
    // ---- elementwise (length = element count; outputs may alias inputs) ----------------------------------

    /// <summary>y = alpha·a + beta·b.</summary>
    public void Axpby(int length, float alpha, DeviceBuffer a, float beta, DeviceBuffer b, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Axpby), length, (a, "a"), (b, "b"), (y, "y"));
        using var timer = Profile(nameof(Axpby));
        AxpbyCore(length, alpha, a, beta, b, y);
    }

    protected abstract void AxpbyCore(int length, float alpha, DeviceBuffer a, float beta, DeviceBuffer b, DeviceBuffer y);

    /// <summary>y = alpha·x.</summary>
    public void Scale(int length, float alpha, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Scale), length, (x, "x"), (y, "y"));
        using var timer = Profile(nameof(Scale));
        ScaleCore(length, alpha, x, y);
    }

    protected abstract void ScaleCore(int length, float alpha, DeviceBuffer x, DeviceBuffer y);

    /// <summary>y = a ⊙ b.</summary>
    public void Multiply(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Multiply), length, (a, "a"), (b, "b"), (y, "y"));
        using var timer = Profile(nameof(Multiply));
        MultiplyCore(length, a, b, y);
    }

    protected abstract void MultiplyCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y);

    public void Relu(int length, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Relu), length, (x, "x"), (y, "y"));
        using var timer = Profile(nameof(Relu));
        ReluCore(length, x, y);
    }

    protected abstract void ReluCore(int length, DeviceBuffer x, DeviceBuffer y);

    /// <summary>dx = dy where the forward output y was positive, else 0.</summary>
    public void ReluBackward(int length, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.Elementwise(nameof(ReluBackward), length, (y, "y"), (dy, "dy"), (dx, "dx"));
        using var timer = Profile(nameof(ReluBackward));
        ReluBackwardCore(length, y, dy, dx);
    }

    protected abstract void ReluBackwardCore(int length, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx);

    /// <summary>y = max(a + b, 0), the sum rounded once: a residual block's sum and ReLU in one pass. y may alias a or b.</summary>
    public void AddRelu(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(AddRelu), length, (a, "a"), (b, "b"), (y, "y"));
        using var timer = Profile(nameof(AddRelu));
        AddReluCore(length, a, b, y);
    }

    protected abstract void AddReluCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y);

    /// <summary>y = sign(x) with sign(0) = 0.</summary>
    public void Sign(int length, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Sign), length, (x, "x"), (y, "y"));
        using var timer = Profile(nameof(Sign));
        SignCore(length, x, y);
    }

    protected abstract void SignCore(int length, DeviceBuffer x, DeviceBuffer y);

    public void Clamp(int length, DeviceBuffer x, float min, float max, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Clamp), length, (x, "x"), (y, "y"));
        using var timer = Profile(nameof(Clamp));
        ClampCore(length, x, min, max, y);
    }

    protected abstract void ClampCore(int length, DeviceBuffer x, float min, float max, DeviceBuffer y);

    public void Minimum(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Minimum), length, (a, "a"), (b, "b"), (y, "y"));
        using var timer = Profile(nameof(Minimum));
        MinimumCore(length, a, b, y);
    }

    protected abstract void MinimumCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y);

    public void Maximum(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Maximum), length, (a, "a"), (b, "b"), (y, "y"));
        using var timer = Profile(nameof(Maximum));
        MaximumCore(length, a, b, y);
    }

    protected abstract void MaximumCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y);

    /// <summary>y[o, c, i] += bias[c] for y viewed as (outer, channels, inner).</summary>
    public void AddBias(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias)
    {
        PrimitiveChecks.Bias(nameof(AddBias), outer, channels, inner, y, "y", bias, "bias");
        using var timer = Profile(nameof(AddBias));
        AddBiasCore(outer, channels, inner, y, bias);
    }

    protected abstract void AddBiasCore(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias);

    /// <summary>dbias[c] = Σ_{o,i} dy[o, c, i].</summary>
    public void BiasBackward(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias)
    {
        PrimitiveChecks.Bias(nameof(BiasBackward), outer, channels, inner, dy, "dy", dbias, "dbias");
        using var timer = Profile(nameof(BiasBackward));
        BiasBackwardCore(outer, channels, inner, dy, dbias);
    }

    protected abstract void BiasBackwardCore(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias);

    // ---- reductions --------------------------------------------------------------------------------------

    /// <summary>result[0] = Σ x.</summary>
    public void Sum(int length, DeviceBuffer x, DeviceBuffer result)
    {
        PrimitiveChecks.Sum(length, x, result);
        using var timer = Profile(nameof(Sum));
        SumCore(length, x, result);
    }

    protected abstract void SumCore(int length, DeviceBuffer x, DeviceBuffer result);

    /// <summary>y[n, c] = mean over the hw plane of x[n, c, :].</summary>
    public void GlobalAvgPoolForward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.GlobalAvgPoolForward(n, c, hw, x, y);
        using var timer = Profile(nameof(GlobalAvgPoolForward));
        GlobalAvgPoolForwardCore(n, c, hw, x, y);
    }

    protected abstract void GlobalAvgPoolForwardCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y);

    public void GlobalAvgPoolBackward(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.GlobalAvgPoolBackward(n, c, hw, dy, dx);
        using var timer = Profile(nameof(GlobalAvgPoolBackward));
        GlobalAvgPoolBackwardCore(n, c, hw, dy, dx);
    }

    protected abstract void GlobalAvgPoolBackwardCore(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx);

    /// <summary>Row-wise log-softmax of a (rows, cols) matrix.</summary>
    public void LogSoftmax(int rows, int cols, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Rows(nameof(LogSoftmax), rows, cols, (x, "x"), (y, "y"));
        using var timer = Profile(nameof(LogSoftmax));
        LogSoftmaxCore(rows, cols, x, y);
    }

    protected abstract void LogSoftmaxCore(int rows, int cols, DeviceBuffer x, DeviceBuffer y);

    /// <summary>dx = dy − softmax · rowsum(dy), given the forward output y = log-softmax.</summary>
    public void LogSoftmaxBackward(int rows, int cols, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.Rows(nameof(LogSoftmaxBackward), rows, cols, (y, "y"), (dy, "dy"), (dx, "dx"));
        using var timer = Profile(nameof(LogSoftmaxBackward));
        LogSoftmaxBackwardCore(rows, cols, y, dy, dx);
    }

    protected abstract void LogSoftmaxBackwardCore(int rows, int cols, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx);

    /// <summary>indices[r] = argmax of row r (int32, first maximum wins).</summary>
    public void ArgMaxRows(int rows, int cols, DeviceBuffer x, DeviceBuffer indices)
    {
        PrimitiveChecks.ArgMaxRows(rows, cols, x, indices);
        using var timer = Profile(nameof(ArgMaxRows));
        ArgMaxRowsCore(rows, cols, x, indices);
    }

    protected abstract void ArgMaxRowsCore(int rows, int cols, DeviceBuffer x, DeviceBuffer indices);
}
