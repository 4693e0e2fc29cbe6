using AutoLoRa.Training.Optim;

namespace AutoLoRa.Cli.Demo;

/// <summary>
/// Which network the demo trains (<c>demo --arch</c>): the small ResNet, or the vit-mini cutting the
/// 28×28 images into a 7×7 grid of 4×4 patches. The ViT trains with AdamW at a fixed 1e-3, the usual
/// way to train a vision transformer from scratch: the methods' default learning rates (and
/// AutoLoRa's automatic schedule from 0.01) are SGD's, and so are their step decays (÷10 at half
/// and 5/6 of the epochs), which would leave a 3-epoch ViT run two epochs at 1e-4 and 1e-5 — no
/// milestones keeps it at 1e-3 throughout. <c>LearningRateMilestones</c> are the epochs where the rate
/// falls ÷10: null = the method's own, empty = none.
/// </summary>
internal sealed record DemoModel(string Name, string Architecture, OptimizerKind Optimizer, float? LearningRate, IReadOnlyList<int>? LearningRateMilestones,
    DemoPlan DefaultPlan, DemoPlan QuickPlan)
{
    public static DemoModel ResNet { get; } = new("resnet", "resnet-mini", OptimizerKind.Sgd, null, null, DemoPlan.Default, DemoPlan.Quick);

    public static DemoModel Vit { get; } = new("vit", "vit-mini", OptimizerKind.AdamW, 1e-3f, [], DemoPlan.VitDefault, DemoPlan.VitQuick);

    /// <summary>This network's plan: its own sizes, since a ViT's costs are not a ResNet's (<see cref="DemoPlan.VitDefault"/>).</summary>
    public DemoPlan Plan(bool quick) => quick ? QuickPlan : DefaultPlan;

    /// <exception cref="ArgumentException">Neither resnet nor vit.</exception>
    public static DemoModel Parse(string name) => name switch
    {
        "resnet" => ResNet,
        "vit" => Vit,
        _ => throw new ArgumentException($"--arch '{name}' is unknown for the demo; choose resnet or vit."),
    };

    /// <summary>The plan's run directory under <paramref name="root"/>: the ResNet's where it always was, the ViT's beside it.</summary>
    public string RunDirectory(string root, bool quick)
    {
        string plan = quick ? "quick" : "default";
        return Path.Combine(root, this == ResNet ? plan : $"{Name}-{plan}");
    }
}
