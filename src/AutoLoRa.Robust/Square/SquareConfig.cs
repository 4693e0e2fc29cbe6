namespace AutoLoRa.Robust;

/// <summary>Square Attack (L∞, margin loss) settings; the defaults are AutoAttack's standard ones.</summary>
public sealed record SquareConfig(float Epsilon, int Queries = 5000, float PInit = 0.8f)
{
    /// <summary>Throws a message naming the bad setting.</summary>
    public void Validate()
    {
        if (!(Epsilon >= 0) || Queries < 0 || !(PInit > 0 && PInit <= 1))
        {
            throw new ArgumentException($"Invalid Square settings: eps {Epsilon}, queries {Queries}, p_init {PInit}.");
        }
    }
}
