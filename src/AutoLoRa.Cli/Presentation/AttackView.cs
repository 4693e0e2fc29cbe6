using AutoLoRa.Robust;

namespace AutoLoRa.Cli.Presentation;

/// <summary>Runs an AutoAttack evaluation with one progress bar per attack.</summary>
internal static class AttackView
{
    public static AutoAttackReport Run(AutoAttackOptions options, ILogitModel model, IAttackPoints data, string title) =>
        StageProgressView.Run(title, progress => new AutoAttackRunner(options with { Progress = progress.Report }).Run(model, data));
}
