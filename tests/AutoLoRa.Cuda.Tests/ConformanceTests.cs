using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Conformance;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cuda.Tests;

/// <summary>The conformance suite on the CUDA backend over the emulated runtime (runs everywhere).</summary>
[Trait("Backend", "cuda-emu")]
public sealed class CudaEmulatedConformanceTests() : BackendConformanceTests(new CudaBackend(new EmulatedRuntime()));

/// <summary>The verification table's CPU-referenced cases on the emulated runtime.</summary>
[Trait("Backend", "cuda-emu")]
public sealed class CudaEmulatedTableTests() : CpuReferenceTableTests(new CudaBackend(new EmulatedRuntime()));

/// <summary>The verification table's plain-reference cases on the emulated runtime.</summary>
[Trait("Backend", "cuda-emu")]
public sealed class CudaEmulatedPlainReferenceTableTests() : PlainReferenceTableTests(new CudaBackend(new EmulatedRuntime()));

/// <summary>The verification table's matrix-product cases on the emulated runtime in TF32 (its cuBLAS and cuDNN round their inputs).</summary>
[Trait("Backend", "cuda-emu")]
public sealed class CudaEmulatedTf32TableTests() : Tf32TableTests(() => new CudaBackend(new EmulatedRuntime(precision: MatrixPrecision.Tf32)));

/// <summary>
/// The conformance suite on a real GPU. Without a driver, device, cuBLAS or cuDNN every test is
/// reported as skipped with the probe's reason (the backend is never constructed then).
/// </summary>
[Trait("Backend", "cuda")]
[NativeCudaRequired]
public sealed class CudaNativeConformanceTests() : BackendConformanceTests(new CudaBackend(new NativeRuntime()));

/// <summary>The verification table's CPU-referenced cases on a real GPU; skipped with the probe's reason without one.</summary>
[Trait("Backend", "cuda")]
[NativeCudaRequired]
public sealed class CudaNativeTableTests() : CpuReferenceTableTests(new CudaBackend(new NativeRuntime()));

/// <summary>The verification table's plain-reference cases on a real GPU; skipped with the probe's reason without one.</summary>
[Trait("Backend", "cuda")]
[NativeCudaRequired]
public sealed class CudaNativePlainReferenceTableTests() : PlainReferenceTableTests(new CudaBackend(new NativeRuntime()));

/// <summary>
/// The verification table's gradient cases on a real GPU: the backward rules through the CUDA
/// primitives; skipped with the probe's reason without one. Not run on the emulated runtime, where
/// the thousands of small launches of finite differences take minutes (the primitives themselves
/// are checked there by the tables above).
/// </summary>
[Trait("Backend", "cuda")]
[NativeCudaRequired]
public sealed class CudaNativeGradientTableTests() : GradientTableTests(new CudaBackend(new NativeRuntime()));

/// <summary>Skips a class's backend tests unless <see cref="CudaAvailability.Probe"/> says the native runtime can run.</summary>
public sealed class NativeCudaRequiredAttribute : BackendAvailabilityAttribute
{
    public override string? SkipReason => CudaAvailability.Probe() is { Available: false } probe ? $"native CUDA {probe.Reason}" : null;
}
