namespace AutoLoRa.Robust;

/// <summary>
/// FAB-T settings; the defaults are AutoAttack's standard ones (100 iterations, 9 targets,
/// α_max 0.1, η 1.05, β 0.9, one restart without random start). ε is only the success threshold:
/// FAB looks for the smallest perturbation.
/// </summary>
public sealed record FabConfig(float Epsilon, int Iterations = 100, int TargetClasses = 9, float AlphaMax = 0.1f, float Eta = 1.05f, float Beta = 0.9f)
{
    /// <summary>Throws a message naming the bad setting.</summary>
    public void Validate()
    {
        if (!(Epsilon >= 0) || Iterations < 1 || TargetClasses < 1 || !(AlphaMax >= 0 && AlphaMax <= 1) || !(Eta > 0) || !(Beta > 0 && Beta <= 1))
        {
            throw new ArgumentException($"Invalid FAB settings: eps {Epsilon}, iterations {Iterations}, targets {TargetClasses}, alpha_max {AlphaMax}, eta {Eta}, beta {Beta}.");
        }
    }
}
