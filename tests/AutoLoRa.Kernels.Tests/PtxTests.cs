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

    [Fact]
    public void MissingFamilyExplainsWhatIsEmbedded()
    {
        Assert.False(KernelSources.TryGetPtx("no_such_family", "sm_80", out _, out var whyNot));
        Assert.False(string.IsNullOrEmpty(whyNot));
        Assert.Throws<KernelException>(() => KernelSources.GetPtx("no_such_family", "sm_80"));
    }
}
