using System.Collections.Generic;

namespace AutoLoRa.Kernels.Generator;

/// <summary>One parameter of an <c>extern "C" __global__</c> kernel, as its declaration spells it.</summary>
internal sealed class KernelParameter
{
    public KernelParameter(string name, string cType, int bytes, string csType)
    {
        Name = name;
        CType = cType;
        Bytes = bytes;
        CsType = csType;
    }

    /// <summary>The name in the .cu declaration (also the launcher's parameter name).</summary>
    public string Name { get; }

    /// <summary>The C type without qualifiers that do not change the value passed, e.g. "const float*", "int".</summary>
    public string CType { get; }

    /// <summary>The width of the value cuLaunchKernel copies for it: 8 for a device pointer.</summary>
    public int Bytes { get; }

    /// <summary>The C# type a launcher takes for it: ulong (CUdeviceptr) for pointers.</summary>
    public string CsType { get; }

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
internal sealed class KernelFacts
{
    public KernelFacts(string name, string family, string file, int line, IReadOnlyList<KernelParameter> parameters)
    {
        Name = name;
        Family = family;
        File = file;
        Line = line;
        Parameters = parameters;
    }

    public string Name { get; }

    /// <summary>The .cu file name without extension: one PTX module.</summary>
    public string Family { get; }

    /// <summary>Repository-relative path, e.g. "kernels/pgd_step.cu".</summary>
    public string File { get; }

    /// <summary>1-based line of the declaration.</summary>
    public int Line { get; }

    public IReadOnlyList<KernelParameter> Parameters { get; }

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
}
