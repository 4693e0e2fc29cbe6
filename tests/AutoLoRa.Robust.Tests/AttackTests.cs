using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Robust.Tests;

/// <summary>Every attack on a naturally trained linear model: bounds, strength, and the ordering of accuracies.</summary>
public sealed class AttackTests : IDisposable
{
    private const int Classes = 5;
    private readonly CpuBackend _cpu = new();
    private readonly LinearModel _model;
    private readonly AttackBatch _test = SyntheticTask.Sample(Classes, 30, seed: 21);

    public AttackTests() => _model = SyntheticTask.Train(_cpu, Classes);

    public void Dispose()
    {
        _model.Dispose();
        _cpu.Dispose();
    }

    public static TheoryData<string> AttackNames => ["apgd-ce", "apgd-dlr", "apgd-t", "fab-t", "square", "pgd20"];

    [Theory]
    [MemberData(nameof(AttackNames))]
    public void ReturnsImagesInsideTheBallAndTheBox(string name)
    {
        const float eps = 0.05f;
        var attack = name == "square" ? new SquareAttack(new SquareConfig(eps, Queries: 300)) : AttackCatalog.Create(name, eps);
        var adv = attack.Perturb(_model, _test, new Random(1));
        Assert.Equal(_test.Images.Length, adv.Length);
        for (int s = 0; s < _test.Count; s++)
        {
            var image = adv.AsSpan(s * _test.ImageSize, _test.ImageSize);
            Assert.True(LinfBall.Distance(image, _test.Image(s)) <= eps + 1e-6f, $"{name}: image {s} leaves the ε-ball");
            foreach (float v in image) Assert.InRange(v, 0f, 1f);
        }
    }

    [Fact]
    public void CleanAccuracyIsHigh() => Assert.True(Accuracy.Of(_model, _test, _test.Images) >= 0.9);

    [Fact]
    public void ApgdCeAtLargeEpsilonBreaksEveryPoint()
    {
        var adv = new ApgdAttack(new ApgdConfig(0.5f)).Perturb(_model, _test, new Random(2));
        Assert.Equal(0, Accuracy.Of(_model, _test, adv));
    }

    [Fact]
    public void AutoAttackIsAtMostPgd20WhichIsAtMostClean()
    {
        const float eps = 0.15f;
        double clean = Accuracy.Of(_model, _test, _test.Images);
        var pgd = new PgdEvaluationAttack(PgdConfig.Evaluation(eps)).Perturb(_model, _test, new Random(3));
        double pgdAccuracy = Accuracy.Of(_model, _test, pgd);
        var options = new AutoAttackOptions { Epsilon = eps, AttackInstances = Standard(eps, squareQueries: 500) };
        var report = new AutoAttackRunner(options).Run(_model, _test);
        Assert.Equal(clean, report.CleanAccuracy, 9);
        Assert.True(pgdAccuracy <= clean, $"PGD-20 {pgdAccuracy} > clean {clean}");
        Assert.True(report.RobustAccuracy <= pgdAccuracy, $"AA {report.RobustAccuracy} > PGD-20 {pgdAccuracy}");
        Assert.True(report.RobustAccuracy < clean, $"the attacks should break something at this ε (clean {clean}, PGD-20 {pgdAccuracy}, AA {report.RobustAccuracy})");
        Assert.True(report.MaxPerturbation <= eps + 1e-6f);
        Assert.Equal([EvaluationFlag.TooFewClasses], report.Flags.Select(f => f.Code)); // 5 classes: 4 targets, not 9
    }

    [Fact]
    public void FabFindsSmallPerturbationsWhereApgdDoes()
    {
        // FAB is minimum-norm: at a generous ε it must break what APGD-CE breaks on a linear model.
        const float eps = 0.3f;
        var fab = new FabTargetedAttack(new FabConfig(eps)).Perturb(_model, _test, new Random(4));
        Assert.True(Accuracy.Of(_model, _test, fab) <= 0.1);
    }

    [Fact]
    public void WorksOnAClassifierInEvalModeAndRestoresItsMode()
    {
        using var net = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 4, BaseWidth: 4), seed: 1);
        Assert.True(net.IsTraining);
        var rng = new Random(9);
        var batch = new AttackBatch([.. Enumerable.Range(0, 2 * 3 * 8 * 8).Select(_ => (float)rng.NextDouble())], [0, 1], 3, 8, 8);
        float[] adv;
        using (var model = new ClassifierLogitModel(net))
        {
            Assert.False(net.IsTraining);
            adv = new ApgdAttack(new ApgdConfig(0.03f, Iterations: 5)).Perturb(model, batch, rng);
        }
        Assert.True(net.IsTraining);
        for (int s = 0; s < 2; s++) Assert.True(LinfBall.Distance(adv.AsSpan(s * batch.ImageSize, batch.ImageSize), batch.Image(s)) <= 0.03f + 1e-6f);
    }

    private static IAttack[] Standard(float eps, int squareQueries) =>
    [
        new ApgdAttack(new ApgdConfig(eps)),
        new ApgdTargetedAttack(new ApgdConfig(eps)),
        new FabTargetedAttack(new FabConfig(eps)),
        new SquareAttack(new SquareConfig(eps, squareQueries)),
    ];
}
