using AutoLoRa.Cpu;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// The suite again with profiling on: every primitive then runs inside its timer (a device
/// synchronisation and a record after it) and must compute exactly what it computes unprofiled.
/// </summary>
[Trait("Backend", "cpu")]
public sealed class ProfiledCpuBackendConformanceTests() : BackendConformanceTests(new CpuBackend { Profiling = true });
