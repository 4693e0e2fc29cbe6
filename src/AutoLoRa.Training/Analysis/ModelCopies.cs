using AutoLoRa.Training.Checkpoints;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Training.Analysis;

/// <summary>
/// Copies of a model for a diagnostic, made on first use and disposed together: training-mode
/// forwards on a copy move only the copy's batch-norm statistics, so measuring never changes the
/// model being trained.
/// </summary>
public sealed class ModelCopies(Classifier original) : IDisposable
{
    private Classifier? _model, _merged;

    /// <summary>The model as it is (weights, statistics, LoRA branches, TWINS wings).</summary>
    public Classifier Model => _model ??= ModelStateCodec.Clone(original);

    /// <summary>
    /// The model with its LoRA branches folded in: its convolution weights are the natural path's
    /// W + s·BA, so a gradient against them is the gradient against the weights AutoLoRa's
    /// natural objective actually trains through A and B.
    /// </summary>
    public Classifier Merged
    {
        get
        {
            if (_merged is null)
            {
                _merged = ModelStateCodec.Clone(original);
                if (_merged.HasLora) _merged.MergeLora();
            }
            return _merged;
        }
    }

    public void Dispose()
    {
        _model?.Dispose();
        _merged?.Dispose();
    }
}
