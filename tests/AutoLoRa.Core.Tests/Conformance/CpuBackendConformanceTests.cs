using AutoLoRa.Cpu;

namespace AutoLoRa.Core.Tests.Conformance;

[Trait("Backend", "cpu")]
public sealed class CpuBackendConformanceTests() : BackendConformanceTests(new CpuBackend());
