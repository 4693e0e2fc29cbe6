using System.Collections.Generic;

namespace AutoLoRa.Kernels.Generator;

/// <summary>One parameter of an <c>extern "C" __global__</c> kernel, as its declaration spells it.</summary>
/// <param name="name">The name in the .cu declaration (also the launcher's parameter name).</param>
/// <param name="cType">The C type without qualifiers that do not change the value passed, e.g. "const float*", "int".</param>
/// <param name="bytes">The width of the value cuLaunchKernel copies for it: 8 for a device pointer.</param>
/// <param name="csType">The C# type a launcher takes for it: ulong (CUdeviceptr) for pointers.</param>
internal sealed class KernelParameter(string name, string cType, int bytes, string csType)
{
    public string Name { get; } = name;
    public string CType { get; } = cType;
    public int Bytes { get; } = bytes;
    public string CsType { get; } = csType;

    public bool IsPointer => CType.EndsWith("*");
}

/// <summary>How a launcher picks grid and block; see the shapes in kernels/README.md.</summary>
internal enum LaunchKind
{
    /// <summary>The caller passes grid, block and dynamic shared bytes.</summary>
    Caller,
    /// <summary>Grid-stride over float4 quads: ceil(count / 4) threads.</summary>
    Stream,
    /// <summary>One thread per item: count threads.</summary>
    Threads,
    /// <summary>One warp per item: 32·count threads.</summary>
    Warps,
    /// <summary>One block per item: min(count, 65535) blocks.</summary>
    Blocks,
}

/// <summary>Everything the source says about one kernel: its declaration and the @ lines above it.</summary>
/// <param name="name">The kernel's C name.</param>
/// <param name="family">The .cu file name without extension: one PTX module.</param>
/// <param name="file">Repository-relative path, e.g. "kernels/pgd_step.cu".</param>
/// <param name="line">1-based line of the declaration.</param>
/// <param name="parameters">The declaration's parameters, in order.</param>
internal sealed class KernelFacts(string name, string family, string file, int line, IReadOnlyList<KernelParameter> parameters)
{
    public string Name { get; } = name;
    public string Family { get; } = family;
    public string File { get; } = file;
    public int Line { get; } = line;
    public IReadOnlyList<KernelParameter> Parameters { get; } = parameters;

    /// <summary>Bytes read and written per element (@traffic), or null when not stated.</summary>
    public (int Read, int Write)? Traffic { get; set; }

    public LaunchKind? Launch { get; set; }

    /// <summary>The @launch count in C spelling over int parameters, e.g. "planes * outH * outW"; empty for Caller.</summary>
    public string LaunchCount { get; set; } = "";

    /// <summary>The @launch line as written after the tag, for documentation.</summary>
    public string LaunchText { get; set; } = "";

    /// <summary>Set by @test-only: the backend never launches it, so it gets no launcher and no table entry in Families.</summary>
    public string? TestOnlyReason { get; set; }

    /// <summary>Set by @implements: the Backend …Core method this kernel is, launched once with its arguments.</summary>
    public string? Implements { get; set; }

    /// <summary>For @implements: the kernel's parameters in the …Core method's order.</summary>
    public IReadOnlyList<KernelParameter> ImplementsOrder { get; set; } = new KernelParameter[0];

    /// <summary>Set by @declares: the Backend primitive is declared from this kernel, checked as this shape.</summary>
    public DeclaredCheck? Declares { get; set; }
}

/// <summary>
/// What <c>// @declares</c> says: the argument check of the generated Backend entry point
/// (<c>PrimitiveChecks.Elementwise</c> or <c>.Rows</c> over every pointer parameter), its size
/// parameters, and the entry point's summary.
/// </summary>
internal sealed class DeclaredCheck(string kind, IReadOnlyList<string> sizes, string summary)
{
    /// <summary>"Elementwise" or "Rows": the PrimitiveChecks method.</summary>
    public string Kind { get; } = kind;

    /// <summary>The int parameters the check takes: one length, or rows and columns.</summary>
    public IReadOnlyList<string> Sizes { get; } = sizes;

    /// <summary>The text after the colon: the entry point's XML summary.</summary>
    public string Summary { get; } = summary;
}
