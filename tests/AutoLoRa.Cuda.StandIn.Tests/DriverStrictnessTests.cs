using AutoLoRa.Cuda.Interop;

namespace AutoLoRa.Cuda.StandIn.Tests;

/// <summary>The driver stand-in refuses what a GPU refuses, with the documented status.</summary>
[Trait("Backend", "cuda-standin")]
[Collection(StandInStateCollection.Name)]
public sealed unsafe class DriverStrictnessTests
{
    // CUresult values (cuda-interop-facts §3.3).
    private const int InvalidValue = 1, OutOfMemory = 2, InvalidContext = 201, NotReady = 600, IllegalAddress = 700;

    [SkippableStandInFact]
    public void A_thread_without_a_current_context_is_refused()
    {
        nint context = StandInMachine.MakeContextCurrent();
        int withoutContext = -1, afterBinding = -1;
        var thread = new Thread(() =>
        {
            ulong pointer;
            withoutContext = CudaDriver.cuMemAlloc(&pointer, 256);
            CudaDriver.cuCtxSetCurrent(context);
            afterBinding = CudaDriver.cuMemAlloc(&pointer, 256);
            CudaDriver.cuMemFree(pointer);
        });
        thread.Start();
        thread.Join();
        Assert.Equal(InvalidContext, withoutContext);
        Assert.Equal(0, afterBinding);
    }

    [SkippableStandInFact]
    public void Fresh_device_memory_reads_as_NaN_and_host_addresses_are_not_device_pointers()
    {
        StandInMachine.MakeContextCurrent();
        ulong device;
        Assert.Equal(0, CudaDriver.cuMemAlloc(&device, 64));
        var host = new float[16];
        fixed (float* h = host)
        {
            Assert.Equal(0, CudaDriver.cuMemcpyDtoH(h, device, 64));
            Assert.All(host, v => Assert.True(float.IsNaN(v)));
            Assert.Equal(InvalidValue, CudaDriver.cuMemcpyDtoH(h, (ulong)h, 64));      // a host address as the source
            Assert.Equal(InvalidValue, CudaDriver.cuMemcpyDtoH(h, device + 32, 64));   // past the allocation's end
        }
        Assert.Equal(0, CudaDriver.cuMemFree(device));
        Assert.Equal(InvalidValue, CudaDriver.cuMemFree(device));                       // freed twice
    }

    [SkippableStandInFact]
    public void The_device_count_setting_sets_which_ordinals_exist()
    {
        const int invalidDevice = 101;
        StandInMachine.MakeContextCurrent();
        StandInMachine.Set("device_count", 3);
        try
        {
            int count, device;
            Assert.Equal(0, CudaDriver.cuDeviceGetCount(&count));
            Assert.Equal(3, count);
            Assert.Equal(0, CudaDriver.cuDeviceGet(&device, 2));
            Assert.Equal(2, device);
            Assert.Equal(invalidDevice, CudaDriver.cuDeviceGet(&device, 3));
            Assert.Equal(invalidDevice, CudaDriver.cuDeviceGet(&device, -1));
        }
        finally
        {
            StandInMachine.Set("device_count", 1);
        }
    }

    [SkippableStandInFact]
    public void Asking_for_more_than_the_free_memory_is_out_of_memory()
    {
        StandInMachine.MakeContextCurrent();
        nuint free, total;
        Assert.Equal(0, CudaDriver.cuMemGetInfo(&free, &total));
        ulong pointer;
        Assert.Equal(OutOfMemory, CudaDriver.cuMemAlloc(&pointer, free + 1));
        Assert.Equal(InvalidValue, CudaDriver.cuMemAlloc(&pointer, 0));
    }

    [SkippableStandInFact]
    public void Stream_work_runs_later_so_reading_without_synchronising_sees_stale_memory()
    {
        StandInMachine.MakeContextCurrent();
        nint stream;
        ulong device;
        Assert.Equal(0, CudaDriver.cuStreamCreate(&stream, 1));
        Assert.Equal(0, CudaDriver.cuMemAlloc(&device, 16));
        StandInMachine.Set("stream_delay_ms", 200);
        try
        {
            Assert.Equal(0, CudaDriver.cuMemsetD32Async(device, BitConverter.SingleToUInt32Bits(2f), 4, stream));
            Assert.Equal(NotReady, CudaDriver.cuStreamQuery(stream));
            // Device memory of the stand-in is host-addressable: look at it before the stream ran.
            Assert.True(float.IsNaN(*(float*)device));
            Assert.Equal(0, CudaDriver.cuStreamSynchronize(stream));
            Assert.Equal(2f, *(float*)device);
        }
        finally
        {
            StandInMachine.Set("stream_delay_ms", 0);
            CudaDriver.cuMemFree(device);
            CudaDriver.cuStreamDestroy(stream);
        }
    }

    [SkippableStandInFact]
    public void A_write_past_an_allocation_is_a_sticky_illegal_address()
    {
        StandInMachine.MakeContextCurrent();
        nint stream;
        ulong device, other;
        Assert.Equal(0, CudaDriver.cuStreamCreate(&stream, 1));
        Assert.Equal(0, CudaDriver.cuMemAlloc(&device, 256));
        try
        {
            ((byte*)device)[256 + 8] = 0; // what an out-of-bounds store in a kernel does
            Assert.Equal(0, CudaDriver.cuMemsetD8Async(device, 1, 256, stream)); // device work: guards checked after it
            Assert.Equal(IllegalAddress, CudaDriver.cuStreamSynchronize(stream));
            Assert.Equal(IllegalAddress, CudaDriver.cuMemAlloc(&other, 256));   // the context stays broken
        }
        finally
        {
            StandInMachine.Set("clear_sticky", 0);
            ((byte*)device)[256 + 8] = 0xA5; // mend the guard, so freeing it does not fault again
            CudaDriver.cuMemFree(device);
            CudaDriver.cuStreamDestroy(stream);
        }
    }

    [SkippableStandInFact]
    public void Unknown_status_codes_have_no_name()
    {
        StandInMachine.MakeContextCurrent();
        byte* name = (byte*)1;
        Assert.Equal(InvalidValue, CudaDriver.cuGetErrorName(123456, &name));
        Assert.True(name == null);
        Assert.Equal(0, CudaDriver.cuGetErrorName(222, &name));
        Assert.Equal("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)name));
    }
}
