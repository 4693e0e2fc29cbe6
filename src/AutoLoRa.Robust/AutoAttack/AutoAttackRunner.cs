using System.Diagnostics;
using System.Security.Cryptography;

namespace AutoLoRa.Robust;

/// <summary>
/// Runs an ensemble of attacks the way AutoAttack accounts for them: a clean pass marks the points
/// classified correctly; each attack then runs only on the points still robust, in batches; a point
/// is broken when the model, re-run on the returned image, mispredicts it and that image is within
/// ε (plus a float tolerance) of the clean one, inside [0, 1] and free of NaN. Robust accuracy is over
/// all N points (clean errors count as non-robust), i.e. the point-wise worst case over the attacks.
/// </summary>
public sealed class AutoAttackRunner
{
    /// <summary>A runner of standard AutoAttack with <paramref name="options"/> (checked here).</summary>
    public AutoAttackRunner(AutoAttackOptions options)
    {
        options.Validate();
        Options = options;
        AttackList = options.AttackInstances
            ?? (options.Attacks ?? AutoAttackOptions.Standard).Select(name => AttackCatalog.Create(name, options.Epsilon, options.PgdStepSize)).ToList();
        var duplicate = AttackList.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Attack '{duplicate.Key}' is listed twice; reports and resume states key attacks by name.");
    }

    /// <summary>The options it runs with.</summary>
    public AutoAttackOptions Options { get; }

    /// <summary>The attacks, in the order they run.</summary>
    public IReadOnlyList<IAttack> AttackList { get; }

    /// <summary>Evaluates the model on every point of <paramref name="data"/>, resuming from the state file if one exists.</summary>
    public AutoAttackReport Run(ILogitModel model, IAttackPoints data)
    {
        string fingerprint = Fingerprint(data);
        string? discarded = null;
        AutoAttackState? state = null;
        if (Options.StatePath is { } path)
        {
            try
            {
                state = AutoAttackState.Load(path);
                state?.Check(path, data.Count, fingerprint, [.. AttackList.Select(a => a.Name)]);
            }
            catch (AutoAttackStateException e) when (Options.DiscardUnusableState)
            {
                // Starting over overwrites the file with the new state.
                (state, discarded) = (null, e.Message);
            }
        }
        bool resumed = state is not null;
        state ??= Start(model, data, fingerprint);

        for (int index = 0; index < AttackList.Count; index++)
        {
            var attack = AttackList[index];
            var summary = index < state.Attacks.Count ? state.Attacks[index] : null;
            if (summary is not null && (index < state.Attacks.Count - 1 || state.Pending is null)) continue;
            if (summary is null)
            {
                summary = new AttackSummary { Name = attack.Name, Skipped = SkipReason(attack, state.Classes) };
                state.Attacks.Add(summary);
                state.Pending = summary.Skipped is null ? RobustIndices(state) : null;
                summary.AccuracyAfter = Accuracy(state.Robust);
                Save(state);
            }
            if (state.Pending is not null) RunAttack(model, data, attack, index, state, summary);
        }

        var squareFlag = ReliabilityChecks.SquareBeatsWhiteBox(Accuracy(state.Clean), state.Attacks);
        if (squareFlag is not null && state.Flags.All(f => f.Code != squareFlag.Code)) state.Flags.Add(squareFlag);
        Save(state);
        return BuildReport(state, resumed, discarded);
    }

    /// <summary>Clean pass and reliability checks.</summary>
    private AutoAttackState Start(ILogitModel model, IAttackPoints data, string fingerprint)
    {
        var state = new AutoAttackState { Fingerprint = fingerprint, Clean = new bool[data.Count] };
        for (int start = 0; start < data.Count; start += Options.BatchSize)
        {
            var rows = Enumerable.Range(start, Math.Min(Options.BatchSize, data.Count - start)).ToList();
            var batch = data.Select(rows);
            var logits = LogitEvaluator.Logits(model, batch.Images, batch.ShapeOf(batch.Count), out int classes);
            state.Classes = classes;
            var predictions = LogitEvaluator.ArgMaxRows(logits, classes);
            for (int i = 0; i < rows.Count; i++) state.Clean[rows[i]] = predictions[i] == batch.Labels[i];
            Options.Progress?.Invoke(new AttackProgress("clean", start + rows.Count, data.Count));
        }
        state.Robust = (bool[])state.Clean.Clone();

        if (Options.RunChecks && data.Count > 0)
        {
            var first = data.Select(Enumerable.Range(0, Math.Min(Options.BatchSize, data.Count)).ToList());
            EvaluationFlag?[] flags =
            [
                ReliabilityChecks.Randomness(model, first),
                ReliabilityChecks.SoftmaxOutput(model, first),
                ReliabilityChecks.ZeroGradients(model, first, state.Classes),
                ReliabilityChecks.Classes(AttackList, state.Classes),
            ];
            state.Flags.AddRange(flags.OfType<EvaluationFlag>());
        }
        Save(state);
        return state;
    }

    /// <summary>Runs one attack over its pending points, batch by batch, saving after each.</summary>
    private void RunAttack(ILogitModel model, IAttackPoints data, IAttack attack, int index, AutoAttackState state, AttackSummary summary)
    {
        int total = summary.Attacked + state.Pending!.Length;
        while (state.Pending!.Length > 0)
        {
            var rows = state.Pending.Take(Options.BatchSize).ToList();
            var batch = data.Select(rows);
            // One random source per (attack, batch): a resumed run draws what an uninterrupted one would.
            var rng = new Random(BatchSeed(Options.Seed, index, summary.Attacked));
            var clock = Stopwatch.StartNew();
            var adversarial = attack.Perturb(model, batch, rng);
            if (adversarial.Length != batch.Images.Length)
            {
                throw new InvalidOperationException($"Attack {attack.Name} returned {adversarial.Length} values for {batch.Count} images of {batch.ImageSize}.");
            }
            var valid = CheckBounds(batch, adversarial, state);
            var predictions = LogitEvaluator.Predict(model, adversarial, batch.ShapeOf(batch.Count));
            clock.Stop();

            for (int i = 0; i < rows.Count; i++)
            {
                if (!valid[i] || predictions[i] == batch.Labels[i]) continue;
                state.Robust[rows[i]] = false;
                summary.Successes++;
            }
            summary.Attacked += rows.Count;
            summary.Seconds += clock.Elapsed.TotalSeconds;
            summary.AccuracyAfter = Accuracy(state.Robust);
            state.Pending = state.Pending[rows.Count..];
            Save(state);
            Options.Progress?.Invoke(new AttackProgress(attack.Name, summary.Attacked, total));
        }
        state.Pending = null;
        Save(state);
    }

    /// <summary>Which returned images may count: within ε (+ tolerance), in [0, 1], no NaN. Updates the bounds in the state.</summary>
    private bool[] CheckBounds(AttackBatch batch, float[] adversarial, AutoAttackState state)
    {
        float eps = Options.Epsilon, tol = Options.BoundsTolerance;
        var valid = new bool[batch.Count];
        int outOfBounds = 0;
        for (int s = 0; s < batch.Count; s++)
        {
            var adv = adversarial.AsSpan(s * batch.ImageSize, batch.ImageSize);
            var clean = batch.Image(s);
            bool nan = false;
            float distance = 0f, min = float.PositiveInfinity, max = float.NegativeInfinity;
            for (int i = 0; i < adv.Length; i++)
            {
                if (float.IsNaN(adv[i])) nan = true;
                distance = Math.Max(distance, Math.Abs(adv[i] - clean[i]));
                min = Math.Min(min, adv[i]);
                max = Math.Max(max, adv[i]);
            }
            if (nan) state.NanImages++;
            state.MaxPerturbation = Math.Max(state.MaxPerturbation, distance);
            state.MinPixel = Math.Min(state.MinPixel, min);
            state.MaxPixel = Math.Max(state.MaxPixel, max);
            valid[s] = !nan && distance <= eps + tol && min >= -tol && max <= 1 + tol;
            if (!valid[s]) outOfBounds++;
        }
        if (outOfBounds > 0)
        {
            state.OutOfBoundsImages += outOfBounds;
            if (state.Flags.All(f => f.Code != EvaluationFlag.OutOfBounds))
            {
                state.Flags.Add(new EvaluationFlag(EvaluationFlag.OutOfBounds,
                    "An attack returned images outside the ε-ball or [0, 1], or with NaN; they were not counted as successes (see OutOfBoundsImages). This is a bug in the attack."));
            }
        }
        return valid;
    }

    private static string? SkipReason(IAttack attack, int classes) => attack switch
    {
        ApgdTargetedAttack when classes < ApgdTargetedAttack.MinClasses => $"targeted DLR needs ≥ {ApgdTargetedAttack.MinClasses} classes; the model has {classes}",
        ApgdAttack { Config.Loss: ApgdLoss.Dlr } when classes < 3 => $"DLR needs ≥ 3 classes; the model has {classes}",
        _ => null,
    };

    /// <summary>A deterministic mix (HashCode is salted per process, which would break resuming).</summary>
    private static int BatchSeed(int seed, int attack, int offset)
    {
        ulong h = 1469598103934665603UL;
        foreach (int v in (ReadOnlySpan<int>)[seed, attack, offset]) h = (h ^ (uint)v) * 1099511628211UL;
        return (int)(h ^ (h >> 32)) & int.MaxValue;
    }

    private static int[] RobustIndices(AutoAttackState state) => Enumerable.Range(0, state.Robust.Length).Where(i => state.Robust[i]).ToArray();

    private static double Accuracy(bool[] flags) => flags.Length == 0 ? 0 : flags.Count(f => f) / (double)flags.Length;

    private void Save(AutoAttackState state)
    {
        if (Options.StatePath is not null) state.Save(Options.StatePath);
    }

    /// <summary>Identifies data, ε, attack list and (where PGD runs) its step, so a state is only resumed for the same evaluation.</summary>
    private string Fingerprint(IAttackPoints data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        data.AppendContent(hash);
        string header = $"{data.Count}x{data.Channels}x{data.Height}x{data.Width}|eps={Options.Epsilon:R}|seed={Options.Seed}|bs={Options.BatchSize}|{string.Join(",", AttackList.Select(a => a is PgdEvaluationAttack p ? $"{a.Name}@{p.Config.StepSize:R}" : a.Name))}";
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(header));
        return header + "|" + Convert.ToHexString(hash.GetHashAndReset())[..16];
    }

    private AutoAttackReport BuildReport(AutoAttackState state, bool resumed, string? discarded)
    {
        double clean = Accuracy(state.Clean);
        bool anyReturned = state.Attacks.Any(a => a.Attacked > 0);
        return new AutoAttackReport
        {
            Epsilon = Options.Epsilon,
            Points = state.Robust.Length,
            CleanAccuracy = clean,
            RobustAccuracy = Accuracy(state.Robust),
            Attacks = state.Attacks,
            Flags = state.Flags,
            MaxPerturbation = state.MaxPerturbation,
            MinPixel = anyReturned ? state.MinPixel : 0,
            MaxPixel = anyReturned ? state.MaxPixel : 0,
            NanImages = state.NanImages,
            OutOfBoundsImages = state.OutOfBoundsImages,
            Resumed = resumed,
            DiscardedState = discarded,
            Robust = state.Robust,
        };
    }
}
