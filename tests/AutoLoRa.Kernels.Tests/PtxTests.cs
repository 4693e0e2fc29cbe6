namespace AutoLoRa.Kernels.Tests;

/// <summary>
/// No ptxas or GPU here, so check the PTX text: every family is built for sm_80, and every file
/// says which architecture it targets and declares entries. Which entries, with which parameters,
/// is checked against the kernel sources by tests/AutoLoRa.Cuda.Tests/KernelSignatureTests, which
/// knows the declared kernels; this project lists no kernel names. (The driver JIT is the real
/// check, on a GPU machine.)
/// </summary>
public sealed class PtxTests
{
    [KernelFact(KernelArtifact.Ptx)]
    public void EveryFamilyHasSm80()
    {
        KernelAvailability.RequirePtx();
        foreach (var family in KernelSources.Available.Select(a => a.Family).Distinct())
        {
            Assert.True(KernelSources.TryGetPtx(family, "sm_80", out _, out var whyNot), whyNot);
        }
    }

    [KernelFact(KernelArtifact.Ptx)]
    public void EachEmbeddedPtxDeclaresItsTargetAndEntries()
    {
        KernelAvailability.RequirePtx();
        foreach (var (family, arch) in KernelSources.Available)
        {
            string ptx = KernelSources.GetPtx(family, arch);
            Assert.Matches(@"(?m)^\.version \d+\.\d+\s*$", ptx);
            Assert.Matches($@"(?m)^\.target {arch}\b", ptx);
            Assert.Contains(".address_size 64", ptx);
            Assert.Contains(".visible .entry ", ptx);
        }
    }

    /// <summary>
    /// The verification table's bounds (src/AutoLoRa.Verify/DeviceMath.cs, GeluDeviceBound) assume
    /// that ex2.approx and lg2.approx are the only approximate instructions, every other add,
    /// multiply, fma, divide, reciprocal and square root being correctly rounded (.rn). A build that
    /// brought in rcp.approx, sqrt.approx, div.approx or div.full (fast-math flags, a new helper)
    /// would invalidate them silently; this names the instruction and the family instead.
    /// </summary>
    [KernelFact(KernelArtifact.Ptx)]
    public void The_only_approximate_instructions_are_the_ones_the_bounds_account_for()
    {
        KernelAvailability.RequirePtx();
        var approximate = new System.Text.RegularExpressions.Regex(@"\b[a-z0-9]+\.(approx|full)\b");
        foreach (var (family, arch) in KernelSources.Available)
        {
            var found = approximate.Matches(KernelSources.GetPtx(family, arch)).Select(m => m.Value).Distinct();
            Assert.All(found, op => Assert.True(op is "ex2.approx" or "lg2.approx", $"{family}.{arch}.ptx uses {op}, which DeviceMath has no bound for"));
        }
    }

    [Fact]
    public void MissingFamilyExplainsWhatIsEmbedded()
    {
        Assert.False(KernelSources.TryGetPtx("no_such_family", "sm_80", out _, out var whyNot));
        Assert.False(string.IsNullOrEmpty(whyNot));
        Assert.Throws<KernelException>(() => KernelSources.GetPtx("no_such_family", "sm_80"));
    }

    /// <summary>
    /// The PTX a device loads is the newest embedded target it can run, whatever targets the build
    /// chose: the old rule ("sm_80" from major 8 up, else "sm_70") named PTX a "75;80" build lacks.
    /// </summary>
    [Theory]
    [InlineData("sm_70,sm_80", 7, 0, "sm_70")]
    [InlineData("sm_70,sm_80", 7, 5, "sm_70")]
    [InlineData("sm_70,sm_80", 9, 0, "sm_80")]
    [InlineData("sm_75,sm_80", 7, 5, "sm_75")]
    [InlineData("sm_75,sm_80,sm_90", 8, 6, "sm_80")]
    [InlineData("sm_80,sm_75", 12, 0, "sm_80")]
    [InlineData("sm_75,sm_80", 7, 0, null)]
    [InlineData("sm_80", 6, 1, null)]
    public void A_device_loads_the_newest_embedded_target_it_can_run(string embedded, int major, int minor, string? expected) =>
        Assert.Equal(expected, KernelSources.ArchitectureFor(major, minor, embedded.Split(',')));

    [KernelFact(KernelArtifact.Ptx)]
    public void The_embedded_architectures_are_those_of_the_embedded_ptx()
    {
        KernelAvailability.RequirePtx();
        Assert.Equal(KernelSources.Available.Select(a => a.Arch).Distinct().Order(), KernelSources.Architectures.Order());
        Assert.Equal("sm_80", KernelSources.ArchitectureFor(9, 0));
    }
}
