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
        return GradMode.Record(y, op, [x], new LogSoftmaxBackward(y));
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
        return GradMode.Record(loss, op, [logits], new CrossEntropyBackward(probabilities, labels));
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
        return GradMode.Record(loss, op, [targetLogits, inputLogits], new KlDivergenceBackward(logP, logQ));
    }

    /// <summary>dx = dy − softmax(x)·Σ dy, from the saved output y = log softmax(x).</summary>
    private readonly struct LogSoftmaxBackward(Tensor y) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            grads[0] = Tensor.Empty(x.Backend, x.Shape);
            x.Backend.LogSoftmaxBackward(x.Shape[0], x.Shape[1], y.Buffer, gy.Buffer, grads[0]!.Buffer);
        }
    }

    /// <summary>dlogits = (softmax − onehot(labels))·dy/N, from the saved probabilities.</summary>
    private readonly struct CrossEntropyBackward(Tensor probabilities, Tensor labels) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var logits = inputs[0];
            grads[0] = Tensor.Empty(logits.Backend, logits.Shape);
            logits.Backend.SoftmaxCrossEntropyBackward(logits.Shape[0], logits.Shape[1], probabilities.Buffer, labels.Buffer, gy.Buffer, grads[0]!.Buffer);
        }
    }

    /// <summary>Gradients to both logit sets from the saved log-probabilities; inputs (target, input).</summary>
    private readonly struct KlDivergenceBackward(Tensor logP, Tensor logQ) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var backend = logP.Backend;
            if (needs[0]) grads[0] = Tensor.Empty(backend, inputs[0].Shape);
            if (needs[1]) grads[1] = Tensor.Empty(backend, inputs[1].Shape);
            backend.KlDivergenceBackward(logP.Shape[0], logP.Shape[1], logP.Buffer, logQ.Buffer, gy.Buffer, grads[0]?.Buffer, grads[1]?.Buffer);
        }
    }
}
