using AutoLoRa.Core.Cpu;
using AutoLoRa.Core.Diagnostics;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>The profiling decorator must be invisible: every primitive forwards its arguments unchanged.</summary>
[Trait("Backend", "cpu")]
public sealed class ProfilingBackendConformanceTests() : BackendConformanceTests(new ProfilingBackend(new CpuBackend()));
