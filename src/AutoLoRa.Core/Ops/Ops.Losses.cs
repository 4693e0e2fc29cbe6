using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>Row-wise log-softmax of logits (N, classes).</summary>
    public static Tensor LogSoftmax(Tensor x)
    {
        const string op = "log_softmax";
        var backend = x.Backend;
        RequireRank(op, x, 2, "(N, classes)");
        int rows = x.Shape[0], cols = x.Shape[1];
        var y = Tensor.Empty(backend, x.Shape);
        backend.LogSoftmax(rows, cols, x.Buffer, y.Buffer);
        return GradMode.Record(y, op, [x], (gy, needs, grads) =>
        {
            grads[0] = Tensor.Empty(backend, x.Shape);
            backend.LogSoftmaxBackward(rows, cols, y.Buffer, gy.Buffer, grads[0]!.Buffer);
        });
    }

    /// <summary>Mean cross-entropy of logits (N, classes) against int32 labels (N).</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels)
    {
        const string op = "cross_entropy";
        var backend = SameBackend(op, logits, labels);
        RequireRank(op, logits, 2, "(N, classes)");
        int rows = logits.Shape[0], classes = logits.Shape[1];
        if (labels.DType != DType.Int32 || labels.Shape.Rank != 1 || labels.Shape[0] != rows)
        {
            throw new ArgumentException($"{op}: labels {labels.Describe()} must be int32 of shape [{rows}].");
        }
        var loss = Tensor.Empty(backend, Shape.Scalar);
        var probabilities = Tensor.Empty(backend, logits.Shape);
        backend.SoftmaxCrossEntropyForward(rows, classes, logits.Buffer, labels.Buffer, loss.Buffer, probabilities.Buffer);
        return GradMode.Record(loss, op, [logits], (gy, needs, grads) =>
        {
            grads[0] = Tensor.Empty(backend, logits.Shape);
            backend.SoftmaxCrossEntropyBackward(rows, classes, probabilities.Buffer, labels.Buffer, gy.Buffer, grads[0]!.Buffer);
        });
    }

    /// <summary>
    /// KL(softmax(target) ‖ softmax(input)) summed over classes and averaged over the batch, as
    /// TRADES computes it (KLDivLoss(sum)/N on log_softmax(input) and softmax(target)). Both logit
    /// sets receive gradients.
    /// </summary>
    public static Tensor KlDivergence(Tensor targetLogits, Tensor inputLogits)
    {
        const string op = "kl_divergence";
        var backend = SameBackend(op, targetLogits, inputLogits);
        RequireRank(op, targetLogits, 2, "(N, classes)");
        RequireSameShape(op, targetLogits, inputLogits);
        int rows = targetLogits.Shape[0], classes = targetLogits.Shape[1];
        var loss = Tensor.Empty(backend, Shape.Scalar);
        var logP = Tensor.Empty(backend, targetLogits.Shape);
        var logQ = Tensor.Empty(backend, targetLogits.Shape);
        backend.KlDivergenceForward(rows, classes, targetLogits.Buffer, inputLogits.Buffer, loss.Buffer, logP.Buffer, logQ.Buffer);
        return GradMode.Record(loss, op, [targetLogits, inputLogits], (gy, needs, grads) =>
        {
            if (needs[0]) grads[0] = Tensor.Empty(backend, targetLogits.Shape);
            if (needs[1]) grads[1] = Tensor.Empty(backend, inputLogits.Shape);
            backend.KlDivergenceBackward(rows, classes, logP.Buffer, logQ.Buffer, gy.Buffer, grads[0]?.Buffer, grads[1]?.Buffer);
        });
    }
}
