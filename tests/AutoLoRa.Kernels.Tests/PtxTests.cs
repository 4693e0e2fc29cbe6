namespace AutoLoRa.Kernels.Tests;

/// <summary>
/// No ptxas or GPU here, so check the PTX text: every kernel of a family is an entry, and the file
/// says which architecture it targets. (The driver JIT is the real check, on a GPU machine.)
/// </summary>
public sealed class PtxTests
{
    public static TheoryData<string, string> Families => new()
    {
        { "pgd_step", "pgd_step_f32" },
        { "reduce", "sum_f32,sum_atomic_f32" },
    };

    [KernelFact(KernelArtifact.Ptx)]
    public void EveryFamilyHasSm80()
    {
        KernelAvailability.RequirePtx();
        foreach (var family in new[] { "pgd_step", "reduce" })
        {
            Assert.True(KernelSources.TryGetPtx(family, "sm_80", out _, out var whyNot), whyNot);
        }
    }

    [KernelFact(KernelArtifact.Ptx)]
    public void EachEmbeddedPtxDeclaresItsTargetAndEntries()
    {
        KernelAvailability.RequirePtx();
        foreach (var (family, kernels) in Families.Select(row => ((string)row[0], (string)row[1])))
        {
            var arches = KernelSources.Available.Where(a => a.Family == family).Select(a => a.Arch).ToList();
            Assert.NotEmpty(arches);
            foreach (var arch in arches)
            {
                string ptx = KernelSources.GetPtx(family, arch);
                Assert.Matches(@"(?m)^\.version \d+\.\d+\s*$", ptx);
                Assert.Matches($@"(?m)^\.target {arch}\b", ptx);
                Assert.Contains(".address_size 64", ptx);
                foreach (var kernel in kernels.Split(','))
                {
                    Assert.Contains($".visible .entry {kernel}(", ptx);
                }
            }
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
