namespace AutoLoRa.Robust.Tests;

public static class Accuracy
{
    /// <summary>Fraction of images the model classifies correctly.</summary>
    public static double Of(ILogitModel model, AttackBatch batch, float[] images)
    {
        var predictions = LogitEvaluator.Predict(model, images, batch.ShapeOf(batch.Count));
        return predictions.Where((p, i) => p == batch.Labels[i]).Count() / (double)batch.Count;
    }
}
