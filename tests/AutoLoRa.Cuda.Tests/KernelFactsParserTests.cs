using AutoLoRa.Kernels.Generator;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// The generator's reading of a .cu file, on small sources written here: what it accepts, and that
/// every malformed fact is a build error at the right line rather than a silently wrong table.
/// </summary>
public sealed class KernelFactsParserTests
{
    [Fact]
    public void Reads_declaration_parameters_and_facts()
    {
        var (kernels, problems) = Parse("""
            // top comment
            // @traffic 12 + 4: a note
            // a comment between the facts and the kernel is fine
            // @launch threads(planes * (outH + 1))
            extern "C" __global__ void k_f32(const float* __restrict__ x, int* out,
                                             int planes, unsigned outH, float alpha, long long big, double d)
            {
            }
            AUTOLORA_HOST_ENTRY(k_f32)
            """);
        Assert.Empty(problems);
        var k = Assert.Single(kernels);
        Assert.Equal(("k_f32", "fam", "kernels/fam.cu", 5), (k.Name, k.Family, k.File, k.Line));
        Assert.Equal((12, 4), k.Traffic);
        Assert.Equal(LaunchKind.Threads, k.Launch);
        Assert.Equal("planes * (outH + 1)", k.LaunchCount);
        Assert.Equal(["const float*", "int*", "int", "unsigned", "float", "long long", "double"], k.Parameters.Select(p => p.CType));
        Assert.Equal([8, 8, 4, 4, 4, 8, 8], k.Parameters.Select(p => p.Bytes));
        Assert.Equal(["ulong", "ulong", "int", "uint", "float", "long", "double"], k.Parameters.Select(p => p.CsType));
        Assert.Equal("(long)planes * ((long)outH + 1L)", LaunchCount.ToCSharp(k.LaunchCount));
    }

    [Fact]
    public void A_kernel_without_facts_is_an_error_at_its_declaration()
    {
        var (_, problems) = Parse("""
            // @traffic 4 + 4

            extern "C" __global__ void k_f32(float* y, int n) {}
            AUTOLORA_HOST_ENTRY_ELEMENTWISE(k_f32)
            """);
        Assert.Equal(["ALK005@0", "ALK001@2"], problems.Select(p => $"{p.Descriptor.Id}@{p.Line}"));
    }

    [Theory]
    [InlineData("// @launch stream(m)", "ALK002")]          // not a parameter
    [InlineData("// @launch stream(alpha)", "ALK002")]      // not an integer
    [InlineData("// @launch stream(n; x)", "ALK002")]       // not arithmetic
    [InlineData("// @launch everywhere(n)", "ALK002")]      // no such shape
    [InlineData("// @traffic four + 4", "ALK002")]
    public void An_unreadable_fact_is_an_error_at_its_line(string fact, string id)
    {
        var (_, problems) = Parse($$"""
            // @traffic 4 + 4
            {{fact}}
            extern "C" __global__ void k_f32(float* y, int n, float alpha) {}
            AUTOLORA_HOST_ENTRY_ELEMENTWISE(k_f32)
            """);
        Assert.Contains(problems, p => p.Descriptor.Id == id && p.Line == 1);
    }

    [Fact]
    public void An_unsupported_parameter_type_is_an_error()
    {
        var (_, problems) = Parse("""
            // @traffic 4 + 4
            // @launch stream(n)
            extern "C" __global__ void k_f32(float* y, int n, short s) {}
            AUTOLORA_HOST_ENTRY_ELEMENTWISE(k_f32)
            """);
        Assert.Equal("ALK003", Assert.Single(problems).Descriptor.Id);
    }

    [Fact]
    public void A_test_only_kernel_needs_no_traffic_or_launch()
    {
        var (kernels, problems) = Parse("""
            // @test-only: exercises the emulation
            extern "C" __global__ void k_f32(float* y, int n) {}
            AUTOLORA_HOST_ENTRY_ELEMENTWISE(k_f32)
            """);
        Assert.Empty(problems);
        Assert.Equal("exercises the emulation", Assert.Single(kernels).TestOnlyReason);
    }

    [Fact]
    public void Implements_reorders_the_parameters_into_the_core_methods_order()
    {
        var (kernels, problems) = Parse("""
            // @traffic 4 + 4
            // @launch stream(n)
            // @implements ScaleCore(n, alpha, x, y)
            extern "C" __global__ void scale_f32(const float* x, float* y, int n, float alpha) {}
            AUTOLORA_HOST_ENTRY_ELEMENTWISE(scale_f32)
            """);
        Assert.Empty(problems);
        var k = Assert.Single(kernels);
        Assert.Equal("ScaleCore", k.Implements);
        Assert.Equal(["n", "alpha", "x", "y"], k.ImplementsOrder.Select(p => p.Name));
    }

    [Theory]
    [InlineData("// @launch stream(n)", "// @implements ScaleCore(n, x, y)")]            // alpha missing
    [InlineData("// @launch stream(n)", "// @implements ScaleCore(n, alpha, x, x)")]     // x twice, y missing
    [InlineData("// @launch stream(n)", "// @implements ScaleCore(n, alpha, x, z)")]     // no parameter z
    [InlineData("// @launch caller", "// @implements ScaleCore(n, alpha, x, y)")]        // no grid to pass
    public void Implements_must_pass_every_parameter_once_to_a_self_launching_kernel(string launch, string implements)
    {
        var (kernels, problems) = Parse($$"""
            // @traffic 4 + 4
            {{launch}}
            {{implements}}
            extern "C" __global__ void scale_f32(const float* x, float* y, int n, float alpha) {}
            AUTOLORA_HOST_ENTRY_ELEMENTWISE(scale_f32)
            """);
        Assert.Equal("ALK002", Assert.Single(problems).Descriptor.Id);
        Assert.True(Assert.Single(kernels).Implements is null || Assert.Single(kernels).ImplementsOrder.Count == 0);
    }

    [Fact]
    public void Declares_gives_the_check_its_sizes_and_the_entry_point_its_summary()
    {
        var (kernels, problems) = Parse("""
            // @traffic 4 + 4
            // @launch warps(rows)
            // @implements LogSoftmaxCore(rows, cols, x, y)
            // @declares rows(rows, cols): Row-wise log-softmax.
            extern "C" __global__ void log_softmax_f32(const float* x, float* y, int rows, int cols) {}
            AUTOLORA_HOST_ENTRY(log_softmax_f32)
            """);
        Assert.Empty(problems);
        var declared = Assert.Single(kernels).Declares!;
        Assert.Equal(("Rows", "Row-wise log-softmax."), (declared.Kind, declared.Summary));
        Assert.Equal(["rows", "cols"], declared.Sizes);
        string code = CatalogueWriter.Declarations(kernels);
        Assert.Contains("public void LogSoftmax(int rows, int cols, DeviceBuffer x, DeviceBuffer y)", code);
        Assert.Contains("PrimitiveChecks.Rows(nameof(LogSoftmax), rows, cols, (x, \"x\"), (y, \"y\"));", code);
        Assert.Contains("protected abstract void LogSoftmaxCore(int rows, int cols, DeviceBuffer x, DeviceBuffer y);", code);
    }

    [Theory]
    [InlineData("// @implements ScaleCore(n, alpha, x, y)", "// @declares elementwise(alpha)")]  // not an int parameter
    [InlineData("// @implements ScaleCore(n, alpha, x, y)", "// @declares elementwise(n, n)")]   // one length, not two
    [InlineData("// @implements ScaleCore(n, alpha, x, y)", "// @declares rows(n)")]            // rows and columns
    [InlineData("// a plain comment", "// @declares elementwise(n)")]                              // nothing to declare
    public void Declares_needs_its_sizes_and_an_implements(string implements, string declares)
    {
        var (kernels, problems) = Parse($$"""
            // @traffic 4 + 4
            // @launch stream(n)
            {{implements}}
            {{declares}}
            extern "C" __global__ void scale_f32(const float* x, float* y, int n, float alpha) {}
            AUTOLORA_HOST_ENTRY_ELEMENTWISE(scale_f32)
            """);
        Assert.Equal("ALK002", Assert.Single(problems).Descriptor.Id);
        Assert.Null(Assert.Single(kernels).Declares);
    }

    [Fact]
    public void A_kernel_without_a_host_entry_is_an_error()
    {
        var (_, problems) = Parse("""
            // @test-only: no entry below
            extern "C" __global__ void k_f32(float* y, int n) {}
            AUTOLORA_HOST_ENTRY(other_f32)
            """);
        Assert.Equal("ALK006@1", Assert.Single(problems.Select(p => $"{p.Descriptor.Id}@{p.Line}")));
    }

    private static (List<KernelFacts> Kernels, List<FactProblem> Problems) Parse(string source) =>
        CudaSourceParser.Parse("fam", "kernels/fam.cu", source);
}
