using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// The fused primitives of the hot path refuse what they cannot compute. Their comparison with
/// the slow composition each replaces is a case of the verification table
/// (AutoLoRa.Verify's FusedReferenceCases, run by <see cref="PlainReferenceTableTests"/>).
/// </summary>
public abstract partial class BackendConformanceTests
{
    [BackendFact]
    public void Losses_reject_a_float_buffer_where_int32_labels_are_expected()
    {
        const int rows = 3, classes = 4;
        using var s = new Scope(this);
        var logits = s.Filled(rows * classes, 0);
        var probabilities = s.Filled(rows * classes, 0);
        var scalar = s.Filled(1, 1);
        var floatLabels = s.Filled(rows, 0);
        var e = Assert.Throws<BackendException>(() => Backend.SoftmaxCrossEntropyForward(rows, classes, logits, floatLabels, scalar, probabilities));
        Assert.Contains("SoftmaxCrossEntropyForward: labels must be a Int32 buffer, got Float32", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.SoftmaxCrossEntropyBackward(rows, classes, probabilities, floatLabels, scalar, logits));
        Assert.Contains("SoftmaxCrossEntropyBackward: labels must be a Int32 buffer", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.ArgMaxRows(rows, classes, logits, floatLabels));
        Assert.Contains("ArgMaxRows: indices must be a Int32 buffer", e.Message);
        // And too few labels, in the right type.
        e = Assert.Throws<BackendException>(() => Backend.SoftmaxCrossEntropyForward(rows, classes, logits, s.Upload(new[] { 0, 1 }), scalar, probabilities));
        Assert.Contains("labels has 2 elements, expected 3", e.Message);
    }

    [BackendFact]
    public void Lora_merge_rejects_a_short_factor()
    {
        const int outRows = 4, rank = 2, inCols = 6;
        using var s = new Scope(this);
        var w = s.Filled(outRows * inCols, 1);
        var b = s.Filled(outRows * rank, 1);
        var a = s.Filled(rank * inCols, 1);
        var wOut = s.Filled(outRows * inCols, 0);
        var e = Assert.Throws<BackendException>(() => LoraGemm.Merge(Backend, outRows, rank, inCols, w, s.Filled(outRows * rank - 1, 1), a, 1f, wOut));
        Assert.Contains("LoraMerge: b has 7 elements, expected 8", e.Message);
        e = Assert.Throws<BackendException>(() => LoraGemm.Merge(Backend, outRows, rank, inCols, w, b, s.Filled(rank * inCols - 1, 1), 1f, wOut));
        Assert.Contains("LoraMerge: a has 11 elements, expected 12", e.Message);
        Assert.All(Download(wOut), v => Assert.Equal(0f, v));
        e = Assert.Throws<BackendException>(() => LoraGemm.Backward(Backend, outRows, rank, inCols, w, b, s.Filled(rank * inCols - 1, 1), 1f, null, s.Filled(rank * inCols, 0)));
        Assert.Contains("LoraMergeBackward: a has 11 elements", e.Message);
        e = Assert.Throws<BackendException>(() => LoraGemm.Backward(Backend, outRows, rank, inCols, w, b, a, 1f, s.Filled(outRows * rank, 0), s.Filled(rank * inCols - 1, 0)));
        Assert.Contains("LoraMergeBackward: dA has 11 elements, expected 12", e.Message);
    }
}
