namespace AutoLoRa.Core.Backends;

public static partial class PrimitiveChecks
{
    /// <summary><see cref="Backend.ResizeBilinearForward"/>: geometry, x (N, C, H, W) and y (N, C, OutH, OutW).</summary>
    public static void ResizeBilinearForward(in ResizeGeometry g, DeviceBuffer x, DeviceBuffer y) =>
        Resize(nameof(ResizeBilinearForward), g, x, "x", y, "y");

    /// <summary><see cref="Backend.ResizeBilinearBackward"/>: geometry, dy (N, C, OutH, OutW) and dx (N, C, H, W).</summary>
    public static void ResizeBilinearBackward(in ResizeGeometry g, DeviceBuffer dy, DeviceBuffer dx) =>
        Resize(nameof(ResizeBilinearBackward), g, dx, "dx", dy, "dy");

    private static void Resize(string op, in ResizeGeometry g, DeviceBuffer input, string inputName, DeviceBuffer output, string outputName)
    {
        g.Validate();
        Require(op, inputName, input, Count(op, g, g.N, g.C, g.H, g.W), g);
        Require(op, outputName, output, Count(op, g, g.N, g.C, g.OutH, g.OutW), g);
    }
}
