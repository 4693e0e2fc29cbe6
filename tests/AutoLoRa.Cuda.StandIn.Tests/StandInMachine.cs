using System.Runtime.InteropServices;
using AutoLoRa.Cuda.Interop;

namespace AutoLoRa.Cuda.StandIn.Tests;

/// <summary>
/// Direct access to the driver stand-in for the strictness tests: the primary context made current
/// on the calling thread, and the stand-in's own test hook (autolora_standin_set, not a CUDA API)
/// that changes the simulated machine. Status values in these tests are written out from
/// /work/shared/specs/cuda-interop-facts.md, not taken from our bindings, so a wrong binding
/// constant cannot make a test agree with it.
/// </summary>
public static unsafe class StandInMachine
{
    private static readonly Lazy<nint> Control = new(() =>
        NativeLibrary.GetExport(NativeLibrary.Load(StandIns.Driver), "autolora_standin_set"));

    /// <summary>cuInit, device 0's primary context retained and made current on this thread.</summary>
    public static nint MakeContextCurrent()
    {
        Assert.True(CudaAvailability.Probe().Available, CudaAvailability.Probe().Reason);
        nint context;
        Assert.Equal(0, CudaDriver.cuDevicePrimaryCtxRetain(&context, 0));
        Assert.Equal(0, CudaDriver.cuCtxSetCurrent(context));
        return context;
    }

    /// <summary>Changes one setting of the simulated machine (kernels/standins/driver/control.cpp).</summary>
    public static void Set(string name, long value)
    {
        byte[] text = System.Text.Encoding.ASCII.GetBytes(name + "\0");
        int status;
        fixed (byte* p = text) status = ((delegate* unmanaged<byte*, long, int>)Control.Value)(p, value);
        Assert.True(status == 0, $"autolora_standin_set({name}, {value}) was refused");
    }
}

/// <summary>Tests that change the stand-in's global state run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StandInStateCollection
{
    public const string Name = "stand-in machine state";
}
