using Microsoft.CodeAnalysis;

namespace AutoLoRa.Kernels.Generator;

/// <summary>
/// Build errors for facts that cannot be read. They point at the .cu line, so a contributor sees
/// "kernels/x.cu(12): ..." in the build output rather than a wrong launch at run time.
/// </summary>
internal static class FactDiagnostics
{
    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, "AutoLoRa.Kernels", DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MissingFacts = Error("ALK001", "Kernel without facts",
        "Kernel '{0}' has no @traffic and @launch lines directly above its declaration (or @test-only); see kernels/README.md");

    public static readonly DiagnosticDescriptor BadFact = Error("ALK002", "Unreadable kernel fact",
        "{0}; see kernels/README.md for the @traffic, @launch, @implements, @declares and @test-only lines");

    public static readonly DiagnosticDescriptor BadParameter = Error("ALK003", "Unsupported kernel parameter",
        "Kernel '{0}': parameter '{1}' has C type '{2}', which has no launcher type (pointers, int, unsigned, float, long long, double)");

    public static readonly DiagnosticDescriptor DuplicateKernel = Error("ALK004", "Kernel name defined twice",
        "Kernel '{0}' is also defined in {1}: PTX modules are looked up by name, so names must be unique");

    public static readonly DiagnosticDescriptor StrayFact = Error("ALK005", "Fact not above a kernel",
        "'{0}' is not directly above an extern \"C\" __global__ declaration (only // comment lines may come between)");

    public static readonly DiagnosticDescriptor MissingHostEntry = Error("ALK006", "Kernel without a host entry",
        "Kernel '{0}' has no AUTOLORA_HOST_ENTRY({0}) or AUTOLORA_HOST_ENTRY_ELEMENTWISE({0}) line: the host emulation library would not export it");
}
