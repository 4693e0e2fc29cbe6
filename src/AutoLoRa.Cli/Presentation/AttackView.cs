using AutoLoRa.Distributed;
using AutoLoRa.Robust;

namespace AutoLoRa.Cli.Presentation;

/// <summary>Runs an AutoAttack evaluation with one progress bar per attack (on rank 0; the other ranks of a data-parallel run show nothing).</summary>
internal static class AttackView
{
    public static AutoAttackReport Run(AutoAttackOptions options, ILogitModel model, IAttackPoints data, string title, Communicator replicas) => replicas.IsRoot
        ? StageProgressView.Run(title, progress => new AutoAttackRunner(options with { Progress = progress.Report }, replicas).Run(model, data))
        : new AutoAttackRunner(options, replicas).Run(model, data);
}
