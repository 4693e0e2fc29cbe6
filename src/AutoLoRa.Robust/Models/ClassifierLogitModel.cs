using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Robust;

/// <summary>
/// A <see cref="Classifier"/> seen as an <see cref="ILogitModel"/>: inference mode (batch-norm on
/// running statistics, so outputs do not depend on batch composition) along one path. The model's
/// previous mode is restored on dispose.
/// </summary>
public sealed class ClassifierLogitModel : ILogitModel, IDisposable
{
    private readonly Classifier _model;
    private readonly Branch _branch;
    private readonly bool _wasTraining;

    /// <param name="model">The classifier; switched to eval mode until this adapter is disposed.</param>
    /// <param name="branch">The path evaluated (Main for the deployed model).</param>
    public ClassifierLogitModel(Classifier model, Branch branch = Branch.Main)
    {
        _model = model;
        _branch = branch;
        Backend = model.Head.Weight.Backend;
        _wasTraining = model.IsTraining;
        model.Eval();
    }

    /// <inheritdoc/>
    public Backend Backend { get; }

    /// <inheritdoc/>
    public Tensor Logits(Tensor x) => _model.Forward(x, _branch);

    /// <inheritdoc/>
    public void Dispose() => _model.Train(_wasTraining);
}
