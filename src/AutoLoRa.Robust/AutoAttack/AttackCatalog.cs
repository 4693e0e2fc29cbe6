namespace AutoLoRa.Robust;

/// <summary>Attacks by name, with AutoAttack's standard settings for a given ε.</summary>
public static class AttackCatalog
{
    /// <summary>Known names; "pgdK" (e.g. pgd20) is PGD-K (CE, uniform start) with the step given to <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["apgd-ce", "apgd-dlr", "apgd-t", "fab-t", "square", "pgd20"];

    /// <summary>The attack called <paramref name="name"/> at radius ε; <paramref name="pgdStep"/> is the step of "pgdK".</summary>
    public static IAttack Create(string name, float epsilon, float pgdStep = PgdConfig.EvaluationStep)
    {
        switch (name.ToLowerInvariant())
        {
            case "apgd-ce": return new ApgdAttack(new ApgdConfig(epsilon));
            case "apgd-dlr": return new ApgdAttack(new ApgdConfig(epsilon, ApgdLoss.Dlr));
            case "apgd-t": return new ApgdTargetedAttack(new ApgdConfig(epsilon, ApgdLoss.TargetedDlr));
            case "fab-t": return new FabTargetedAttack(new FabConfig(epsilon));
            case "square": return new SquareAttack(new SquareConfig(epsilon));
        }
        if (name.StartsWith("pgd", StringComparison.OrdinalIgnoreCase) && int.TryParse(name.AsSpan(3), out int steps) && steps > 0)
        {
            return new PgdEvaluationAttack(PgdConfig.Evaluation(epsilon, steps, pgdStep));
        }
        throw new ArgumentException($"Unknown attack '{name}'; known: {string.Join(", ", Names)} (pgdK for any K).");
    }
}
