namespace AutoLoRa.Core.Backends;

/// <summary>
/// Bias, reductions and row primitives. The streaming elementwise primitives (Axpby, Relu, AddRelu, …)
/// and the row-wise log-softmax are declared beside their kernels in kernels/elementwise.cu and
/// kernels/rows.cu (<c>// @declares</c>) and generated into this class (Backend.Declared.g.cs).
/// </summary>
public abstract partial class Backend
{
    // ---- bias (outputs may alias inputs) -----------------------------------------------------------------

    /// <summary>y[o, c, i] += bias[c] for y viewed as (outer, channels, inner).</summary>
    public void AddBias(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias)
    {
        PrimitiveChecks.Bias(nameof(AddBias), outer, channels, inner, y, "y", bias, "bias");
        using var timer = Profile(nameof(AddBias));
        AddBiasCore(outer, channels, inner, y, bias);
    }

    /// <summary>This backend's <see cref="AddBias"/>, called once the arguments passed its checks.</summary>
    protected abstract void AddBiasCore(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias);

    /// <summary>dbias[c] = Σ_{o,i} dy[o, c, i].</summary>
    public void BiasBackward(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias)
    {
        PrimitiveChecks.Bias(nameof(BiasBackward), outer, channels, inner, dy, "dy", dbias, "dbias");
        using var timer = Profile(nameof(BiasBackward));
        BiasBackwardCore(outer, channels, inner, dy, dbias);
    }

    /// <summary>This backend's <see cref="BiasBackward"/>, called once the arguments passed its checks.</summary>
    protected abstract void BiasBackwardCore(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias);

    // ---- reductions --------------------------------------------------------------------------------------

    /// <summary>result[0] = Σ x.</summary>
    public void Sum(int length, DeviceBuffer x, DeviceBuffer result)
    {
        PrimitiveChecks.Sum(length, x, result);
        using var timer = Profile(nameof(Sum));
        SumCore(length, x, result);
    }

    /// <summary>This backend's <see cref="Sum"/>, called once the arguments passed its checks.</summary>
    protected abstract void SumCore(int length, DeviceBuffer x, DeviceBuffer result);

    /// <summary>y[n, c] = mean over the hw plane of x[n, c, :].</summary>
    public void GlobalAvgPoolForward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.GlobalAvgPoolForward(n, c, hw, x, y);
        using var timer = Profile(nameof(GlobalAvgPoolForward));
        GlobalAvgPoolForwardCore(n, c, hw, x, y);
    }

    /// <summary>This backend's <see cref="GlobalAvgPoolForward"/>, called once the arguments passed its checks.</summary>
    protected abstract void GlobalAvgPoolForwardCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y);

    /// <summary>The gradient of a global average pool over <paramref name="hw"/> pixels: dy / hw broadcast to every pixel of its channel.</summary>
    public void GlobalAvgPoolBackward(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.GlobalAvgPoolBackward(n, c, hw, dy, dx);
        using var timer = Profile(nameof(GlobalAvgPoolBackward));
        GlobalAvgPoolBackwardCore(n, c, hw, dy, dx);
    }

    /// <summary>This backend's <see cref="GlobalAvgPoolBackward"/>, called once the arguments passed its checks.</summary>
    protected abstract void GlobalAvgPoolBackwardCore(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx);

    /// <summary>indices[r] = argmax of row r (int32, first maximum wins).</summary>
    public void ArgMaxRows(int rows, int cols, DeviceBuffer x, DeviceBuffer indices)
    {
        PrimitiveChecks.ArgMaxRows(rows, cols, x, indices);
        using var timer = Profile(nameof(ArgMaxRows));
        ArgMaxRowsCore(rows, cols, x, indices);
    }

    /// <summary>This backend's <see cref="ArgMaxRows"/>, called once the arguments passed its checks.</summary>
    protected abstract void ArgMaxRowsCore(int rows, int cols, DeviceBuffer x, DeviceBuffer indices);
}
