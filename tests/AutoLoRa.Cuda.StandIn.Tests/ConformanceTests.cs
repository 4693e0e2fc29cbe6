using AutoLoRa.Core.Tests.Conformance;
using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cuda.StandIn.Tests;

/// <summary>The conformance suite on the CUDA backend over NativeRuntime, through the stand-in libraries.</summary>
[Trait("Backend", "cuda-standin")]
[StandInsRequired]
public sealed class StandInConformanceTests() : BackendConformanceTests(new CudaBackend(new NativeRuntime()));

/// <summary>The verification table's CPU-referenced cases over NativeRuntime and the stand-ins.</summary>
[Trait("Backend", "cuda-standin")]
[StandInsRequired]
public sealed class StandInTableTests() : CpuReferenceTableTests(new CudaBackend(new NativeRuntime()));

/// <summary>The verification table's plain-reference cases over NativeRuntime and the stand-ins.</summary>
[Trait("Backend", "cuda-standin")]
[StandInsRequired]
public sealed class StandInPlainReferenceTableTests() : PlainReferenceTableTests(new CudaBackend(new NativeRuntime()));
