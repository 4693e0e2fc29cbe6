using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using AutoLoRa.Cuda.Interop;
using AutoLoRa.Kernels;

namespace AutoLoRa.Cuda.StandIn.Tests;

/// <summary>
/// cuModuleLoadDataEx "JIT-compiles" our real PTX only where a driver would (ISA version, target,
/// device profile), and cuLaunchKernel refuses shapes the device profile cannot run.
/// </summary>
[Trait("Backend", "cuda-standin")]
[Collection(StandInStateCollection.Name)]
public sealed unsafe partial class ModuleAndLaunchTests
{
    // CUresult values (cuda-interop-facts §3.3).
    private const int InvalidValue = 1, InvalidPtx = 218, UnsupportedPtxVersion = 222, InvalidHandle = 400, NotFound = 500;

    [GeneratedRegex(@"^\.version \d+\.\d+", RegexOptions.Multiline)]
    private static partial Regex VersionLine();

    private static string Ptx(string arch) => KernelSources.GetPtx("elementwise", arch);

    /// <summary>cuModuleLoadDataEx with an error log; returns the status and the log.</summary>
    private static (int Status, nint Module, string Log) Load(string ptx)
    {
        const int logSize = 4096;
        byte* log = stackalloc byte[logSize];
        log[0] = 0;
        var options = stackalloc CUjit_option[] { (CUjit_option)5, (CUjit_option)6 }; // ERROR_LOG_BUFFER, its size (facts §3.3)
        void** values = stackalloc void*[2];
        values[0] = log;
        values[1] = (void*)(nuint)logSize;
        byte[] image = Encoding.ASCII.GetBytes(ptx + "\0");
        nint module;
        int status;
        fixed (byte* p = image) status = CudaDriver.cuModuleLoadDataEx(&module, p, 2, options, values);
        return (status, module, Marshal.PtrToStringUTF8((nint)log) ?? "");
    }

    [SkippableStandInFact]
    public void The_embedded_ptx_loads_and_a_newer_isa_than_the_driver_knows_is_refused()
    {
        StandInMachine.MakeContextCurrent();
        var (ok, module, _) = Load(Ptx("sm_80"));
        Assert.Equal(0, ok);
        Assert.Equal(0, CudaDriver.cuModuleUnload(module));
        StandInMachine.Set("driver_version", 12040); // CUDA 12.4: PTX ISA 8.4 at most
        try
        {
            var (status, _, log) = Load(VersionLine().Replace(Ptx("sm_80"), ".version 8.5", 1));
            Assert.Equal(UnsupportedPtxVersion, status);
            Assert.Contains("8.5", log, StringComparison.Ordinal);
        }
        finally
        {
            StandInMachine.Set("driver_version", 12060);
        }
    }

    [SkippableStandInFact]
    public void Ptx_for_a_newer_target_than_the_device_is_refused_with_the_jit_log()
    {
        StandInMachine.MakeContextCurrent();
        StandInMachine.Set("device_sm", 70);
        try
        {
            var (status, _, log) = Load(Ptx("sm_80"));
            Assert.Equal(InvalidPtx, status);
            Assert.Contains("sm_80", log, StringComparison.Ordinal);
            var (older, module, _) = Load(Ptx("sm_70"));
            Assert.Equal(0, older);
            CudaDriver.cuModuleUnload(module);
        }
        finally
        {
            StandInMachine.Set("device_sm", 80);
        }
        // An ISA older than its target can name (sm_80 arrived with PTX 7.0) is not valid PTX either.
        Assert.Equal(InvalidPtx, Load(VersionLine().Replace(Ptx("sm_80"), ".version 6.5", 1)).Status);
    }

    [SkippableStandInFact]
    public void Launches_outside_the_device_limits_and_after_unload_are_refused()
    {
        StandInMachine.MakeContextCurrent();
        var (ok, module, _) = Load(Ptx("sm_80"));
        Assert.Equal(0, ok);
        nint function, stream;
        fixed (byte* name = "axpby_f32\0"u8) Assert.Equal(0, CudaDriver.cuModuleGetFunction(&function, module, name));
        fixed (byte* name = "no_such_kernel\0"u8) Assert.Equal(NotFound, CudaDriver.cuModuleGetFunction(&function, module, name));
        fixed (byte* name = "axpby_f32\0"u8) CudaDriver.cuModuleGetFunction(&function, module, name);
        Assert.Equal(0, CudaDriver.cuStreamCreate(&stream, 1));
        // Launches refused before any argument is read: one zeroed 8-byte slot per possible parameter.
        ulong* slots = stackalloc ulong[16];
        void** args = stackalloc void*[16];
        for (int i = 0; i < 16; i++) args[i] = &slots[i];
        Assert.Equal(InvalidValue, CudaDriver.cuLaunchKernel(function, 1, 1, 1, 2048, 1, 1, 0, stream, args, null)); // > 1024 threads
        Assert.Equal(InvalidValue, CudaDriver.cuLaunchKernel(function, 0, 1, 1, 256, 1, 1, 0, stream, args, null));  // empty grid
        Assert.Equal(InvalidValue, CudaDriver.cuLaunchKernel(function, 1, 70000, 1, 256, 1, 1, 0, stream, args, null)); // grid y > 65535
        Assert.Equal(InvalidValue, CudaDriver.cuLaunchKernel(function, 1, 1, 1, 256, 1, 1, 64 * 1024, stream, args, null)); // > 48 KiB shared
        Assert.Equal(InvalidValue, CudaDriver.cuLaunchKernel(function, 1, 1, 1, 256, 1, 1, 0, stream, null, null)); // no parameters
        Assert.Equal(0, CudaDriver.cuModuleUnload(module));
        Assert.Equal(InvalidHandle, CudaDriver.cuLaunchKernel(function, 1, 1, 1, 256, 1, 1, 0, stream, args, null));
        CudaDriver.cuStreamDestroy(stream);
    }

    /// <summary>The native runtime loads the newest embedded PTX each device profile can run, and its kernels work there.</summary>
    [SkippableStandInFact]
    public void The_runtime_loads_the_newest_embedded_ptx_the_device_runs()
    {
        try
        {
            foreach (var (sm, expected) in new[] { (70, "sm_70"), (80, "sm_80"), (90, "sm_80") })
            {
                StandInMachine.Set("device_sm", sm);
                using var runtime = new Runtime.NativeRuntime();
                Assert.Equal(expected, runtime.PtxArch);
                Assert.Equal(KernelTable.Families.Sum(f => f.Value.Count()), runtime.LoadedKernelCount);
            }
        }
        finally
        {
            StandInMachine.Set("device_sm", 80);
        }
    }
}
