using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AutoLoRa.Distributed;

namespace AutoLoRa.Robust;

/// <summary>
/// Runs an ensemble of attacks the way AutoAttack accounts for them: a clean pass marks the points
/// classified correctly; each attack then runs only on the points still robust, in batches; a point
/// is broken when the model, re-run on the returned image, mispredicts it and that image is within
/// ε (plus a float tolerance) of the clean one, inside [0, 1] and free of NaN. Robust accuracy is over
/// all N points (clean errors count as non-robust), i.e. the point-wise worst case over the attacks.
/// <para>
/// With replicas of several ranks, every rank runs the same evaluation and the batches are dealt
/// over them (<see cref="BatchRounds"/>: rank r takes batches r, r + N, … of each pass), each
/// batch with the seed a single process gives it; the per-point flags are gathered after every
/// round, so every rank holds the single process's result point for point. Rank 0 alone reads and
/// writes the state file, runs the reliability checks and reports progress.
/// </para>
/// </summary>
public sealed class AutoAttackRunner
{
    private readonly Communicator _replicas;
    private readonly BatchRounds _rounds;

    /// <summary>
    /// A runner of standard AutoAttack with <paramref name="options"/> (checked here), as one process
    /// or as one of <paramref name="replicas"/> (every rank makes the same call).
    /// </summary>
    public AutoAttackRunner(AutoAttackOptions options, Communicator? replicas = null)
    {
        options.Validate();
        Options = options;
        AttackList = options.AttackInstances
            ?? (options.Attacks ?? AutoAttackOptions.Standard).Select(name => AttackCatalog.Create(name, options.Epsilon, options.PgdStepSize)).ToList();
        var duplicate = AttackList.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Attack '{duplicate.Key}' is listed twice; reports and resume states key attacks by name.");
        _replicas = replicas ?? SingleProcess.Instance;
        _rounds = new BatchRounds(_replicas, options.BatchSize);
    }

    /// <summary>The options it runs with.</summary>
    public AutoAttackOptions Options { get; }

    /// <summary>The attacks, in the order they run.</summary>
    public IReadOnlyList<IAttack> AttackList { get; }

    /// <summary>Evaluates the model on every point of <paramref name="data"/>, resuming from the state file if one exists.</summary>
    public AutoAttackReport Run(ILogitModel model, IAttackPoints data)
    {
        // Hashing every point costs a pass over the data: done where a state is kept or ranks must agree.
        string fingerprint = Options.StatePath is null && !_replicas.IsDistributed ? "" : Fingerprint(data);
        Replicas.CheckAgree(_replicas, Encoding.UTF8.GetBytes(fingerprint), "evaluation points or settings (points, ε, seed, batch size, attacks)");
        var (state, discarded) = LoadState(data.Count, fingerprint);
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

    /// <summary>
    /// The saved state to resume, read by rank 0 and handed to every rank, so all continue from the
    /// same point whatever their file systems hold; a state is a single process's at a round's end,
    /// so it resumes on any number of ranks.
    /// </summary>
    private (AutoAttackState? State, string? Discarded) LoadState(int points, string fingerprint)
    {
        AutoAttackState? state = null;
        string? discarded = null;
        var bytes = RootBytes.Share(_replicas, () =>
        {
            if (Options.StatePath is not { } path) return [];
            try
            {
                state = AutoAttackState.Load(path);
                state?.Check(path, points, fingerprint, [.. AttackList.Select(a => a.Name)]);
            }
            catch (AutoAttackStateException e) when (Options.DiscardUnusableState)
            {
                // Starting over overwrites the file with the new state.
                (state, discarded) = (null, e.Message);
            }
            return !_replicas.IsDistributed || state is null ? [] : JsonSerializer.SerializeToUtf8Bytes(state, AutoAttackStateJsonContext.Default.AutoAttackState);
        }, "the saved evaluation state");
        if (!_replicas.IsRoot && bytes.Length > 0) state = JsonSerializer.Deserialize(bytes, AutoAttackStateJsonContext.Default.AutoAttackState);
        return (state, discarded);
    }

    /// <summary>Clean pass and reliability checks.</summary>
    private AutoAttackState Start(ILogitModel model, IAttackPoints data, string fingerprint)
    {
        var state = new AutoAttackState { Fingerprint = fingerprint, Clean = new bool[data.Count] };
        var all = Enumerable.Range(0, data.Count).ToArray();
        for (int first = 0; first < data.Count; first += _rounds.PointsPerRound)
        {
            var round = _rounds.Run(all, first, (_, rows) => CleanBatch(model, data, rows), "the clean pass's results");
            foreach (var (rows, outcome) in round)
            {
                for (int i = 0; i < rows.Length; i++) state.Clean[rows[i]] = outcome.Flags[i];
                state.Classes = Math.Max(state.Classes, outcome.Classes);
            }
            Options.Progress?.Invoke(new AttackProgress("clean", Math.Min(data.Count, first + _rounds.PointsPerRound), data.Count));
        }
        state.Robust = (bool[])state.Clean.Clone();

        // Rank 0 alone runs the checks and hands their flags to the others.
        if (Options.RunChecks && data.Count > 0 && _replicas.IsRoot)
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
        if (_replicas.IsDistributed)
        {
            var flags = RootBytes.Share(_replicas, () => JsonSerializer.SerializeToUtf8Bytes(state.Flags, AutoAttackStateJsonContext.Default.ListEvaluationFlag), "the reliability checks' flags");
            state.Flags = JsonSerializer.Deserialize(flags, AutoAttackStateJsonContext.Default.ListEvaluationFlag) ?? [];
        }
        Save(state);
        return state;
    }

    private static BatchOutcome CleanBatch(ILogitModel model, IAttackPoints data, int[] rows)
    {
        var batch = data.Select(rows);
        var logits = LogitEvaluator.Logits(model, batch.Images, batch.ShapeOf(batch.Count), out int classes);
        var predictions = LogitEvaluator.ArgMaxRows(logits, classes);
        var outcome = new BatchOutcome(rows.Length) { Classes = classes };
        for (int i = 0; i < rows.Length; i++) outcome.Flags[i] = predictions[i] == batch.Labels[i];
        return outcome;
    }

    /// <summary>Runs one attack over its pending points, a round of batches at a time, saving after each.</summary>
    private void RunAttack(ILogitModel model, IAttackPoints data, IAttack attack, int index, AutoAttackState state, AttackSummary summary)
    {
        int total = summary.Attacked + state.Pending!.Length;
        while (state.Pending!.Length > 0)
        {
            int attacked = summary.Attacked;
            // One random source per (attack, batch offset): what a single, uninterrupted process draws for that batch.
            var round = _rounds.Run(state.Pending, 0, (j, rows) => AttackBatch(model, data, attack, BatchSeed(Options.Seed, index, attacked + j * Options.BatchSize), rows),
                $"the results of {attack.Name}");
            int done = 0;
            double slowest = 0;
            foreach (var (rows, outcome) in round)
            {
                for (int i = 0; i < rows.Length; i++)
                {
                    if (!outcome.Flags[i]) continue;
                    state.Robust[rows[i]] = false;
                    summary.Successes++;
                }
                MergeBounds(state, outcome);
                done += rows.Length;
                slowest = Math.Max(slowest, outcome.Seconds);
            }
            summary.Attacked += done;
            // The round's wall time is its slowest batch's.
            summary.Seconds += slowest;
            summary.AccuracyAfter = Accuracy(state.Robust);
            state.Pending = state.Pending[done..];
            Save(state);
            Options.Progress?.Invoke(new AttackProgress(attack.Name, summary.Attacked, total));
        }
        state.Pending = null;
        Save(state);
    }

    /// <summary>One batch attacked: which rows it broke, and the bounds of what it returned.</summary>
    private BatchOutcome AttackBatch(ILogitModel model, IAttackPoints data, IAttack attack, int seed, int[] rows)
    {
        var batch = data.Select(rows);
        var clock = Stopwatch.StartNew();
        var adversarial = attack.Perturb(model, batch, new Random(seed));
        if (adversarial.Length != batch.Images.Length)
        {
            throw new InvalidOperationException($"Attack {attack.Name} returned {adversarial.Length} values for {batch.Count} images of {batch.ImageSize}.");
        }
        var outcome = new BatchOutcome(rows.Length);
        var valid = CheckBounds(batch, adversarial, outcome);
        var predictions = LogitEvaluator.Predict(model, adversarial, batch.ShapeOf(batch.Count));
        for (int i = 0; i < rows.Length; i++) outcome.Flags[i] = valid[i] && predictions[i] != batch.Labels[i];
        outcome.Seconds = clock.Elapsed.TotalSeconds;
        return outcome;
    }

    private static void MergeBounds(AutoAttackState state, BatchOutcome outcome)
    {
        state.NanImages += outcome.NanImages;
        state.MaxPerturbation = Math.Max(state.MaxPerturbation, outcome.MaxPerturbation);
        state.MinPixel = Math.Min(state.MinPixel, outcome.MinPixel);
        state.MaxPixel = Math.Max(state.MaxPixel, outcome.MaxPixel);
        if (outcome.OutOfBounds == 0) return;
        state.OutOfBoundsImages += outcome.OutOfBounds;
        if (state.Flags.All(f => f.Code != EvaluationFlag.OutOfBounds))
        {
            state.Flags.Add(new EvaluationFlag(EvaluationFlag.OutOfBounds,
                "An attack returned images outside the ε-ball or [0, 1], or with NaN; they were not counted as successes (see OutOfBoundsImages). This is a bug in the attack."));
        }
    }

    /// <summary>Which returned images may count: within ε (+ tolerance), in [0, 1], no NaN. Records the bounds in <paramref name="outcome"/>.</summary>
    private bool[] CheckBounds(AttackBatch batch, float[] adversarial, BatchOutcome outcome)
    {
        float eps = Options.Epsilon, tol = Options.BoundsTolerance;
        var valid = new bool[batch.Count];
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
            if (nan) outcome.NanImages++;
            outcome.MaxPerturbation = Math.Max(outcome.MaxPerturbation, distance);
            outcome.MinPixel = Math.Min(outcome.MinPixel, min);
            outcome.MaxPixel = Math.Max(outcome.MaxPixel, max);
            valid[s] = !nan && distance <= eps + tol && min >= -tol && max <= 1 + tol;
            if (!valid[s]) outcome.OutOfBounds++;
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
        if (Options.StatePath is not null && _replicas.IsRoot) state.Save(Options.StatePath);
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
