using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;

namespace AutoLoRa.Distributed;

/// <summary>
/// A step's gradient averaging over the ranks: told by backward when each parameter's gradient is
/// complete, and <see cref="Complete"/>d after backward, when every gradient holds its mean over the ranks.
/// </summary>
public interface IReplicaGradients : IGradientReadyListener
{
    /// <summary>After backward: waits for the reductions and leaves each gradient holding its mean over the ranks.</summary>
    void Complete();
}

/// <summary>
/// Averages parameter gradients over the ranks, bucket by bucket, starting each bucket's all-reduce
/// while backward is still running: backward tells it when a parameter's gradient is complete
/// (<see cref="IGradientReadyListener"/>), the gradient is copied into its bucket, and a bucket whose
/// gradients are all there is started — in bucket order, so every rank issues the same collectives
/// in the same order even if its gradients complete in another. <see cref="Complete"/>, after
/// backward, starts what is left, waits, and writes the averages back into the gradients.
/// <para>
/// Overlap on the CPU backend is partial by nature: Open MPI advances a non-blocking collective only
/// inside MPI calls, so each ready gradient also polls the buckets in flight; large messages then
/// finish in <see cref="Complete"/>. Assumes what PyTorch's DDP assumes: the graph's shape does not
/// depend on the data, so every rank's backward reaches the same parameters.
/// </para>
/// </summary>
public sealed class GradientAverager : IReplicaGradients
{
    /// <summary>PyTorch DDP's default bucket size.</summary>
    public const int DefaultBucketBytes = 25 << 20;

    private readonly Communicator _communicator;
    private readonly Tensor[] _parameters;
    private readonly Dictionary<Tensor, int> _index = new(ReferenceEqualityComparer.Instance);
    private readonly GradientBuckets _layout;
    private readonly float[] _flat;
    private readonly bool[] _arrived;
    private readonly int[] _missing;
    private readonly PendingReduction?[] _inFlight;
    private readonly string[] _names;
    private int _nextToStart;

    /// <summary>Lays the gradients of <paramref name="parameters"/> out in buckets of at most <paramref name="bucketBytes"/> bytes, averaged over <paramref name="communicator"/>'s ranks.</summary>
    public GradientAverager(Communicator communicator, IEnumerable<Tensor> parameters, int bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, sizeof(float));
        _communicator = communicator;
        _parameters = [.. parameters];
        for (int i = 0; i < _parameters.Length; i++) _index.Add(_parameters[i], i);
        _layout = new GradientBuckets([.. _parameters.Select(p => p.ElementCount)], bucketBytes / sizeof(float));
        // Pinned: a bucket's memory is in MPI's hands while its all-reduce is in flight.
        _flat = GC.AllocateArray<float>(_layout.TotalElements, pinned: true);
        _arrived = new bool[_parameters.Length];
        _missing = new int[_layout.Buckets.Length];
        _inFlight = new PendingReduction?[_layout.Buckets.Length];
        _names = [.. Enumerable.Range(0, _layout.Buckets.Length).Select(b => $"the all-reduce of gradient bucket {b + 1} of {_layout.Buckets.Length}")];
        Reset();
    }

    /// <summary>The bucket layout (for tests and the benchmark).</summary>
    public GradientBuckets Layout => _layout;

    /// <summary>
    /// Time spent after backward waiting for the all-reduces to finish, summed over every
    /// <see cref="Complete"/>: the communication a step did not overlap with computation (for the benchmark).
    /// </summary>
    public TimeSpan Waited { get; private set; }

    void IGradientReadyListener.GradientReady(Tensor leaf)
    {
        if (!_index.TryGetValue(leaf, out int i) || _arrived[i] || leaf.Grad is not { } grad) return;
        _arrived[i] = true;
        grad.Backend.Download(grad.Buffer, _flat.AsSpan(_layout.Offset[i], _parameters[i].ElementCount));
        if (--_missing[_layout.BucketOf[i]] == 0) StartReadyBuckets();
        for (int b = 0; b < _nextToStart; b++) _inFlight[b]?.Test();
    }

    /// <summary>After backward: reduces whatever has not started (a gradient that never came counts as zero), waits, and writes the averages into the gradients.</summary>
    public void Complete()
    {
        // Only buckets not yet started can hold gradients that never came.
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (!_arrived[i]) _flat.AsSpan(_layout.Offset[i], _parameters[i].ElementCount).Clear();
        }
        for (int b = _nextToStart; b < _inFlight.Length; b++) _missing[b] = 0;
        StartReadyBuckets();
        long waitStart = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var pending in _inFlight) pending!.Wait();
        Waited += System.Diagnostics.Stopwatch.GetElapsedTime(waitStart);
        float scale = 1f / _communicator.Size;
        for (int i = 0; i < _parameters.Length; i++)
        {
            // A parameter backward did not reach keeps no gradient, as in a one-process step.
            if (!_arrived[i] || _parameters[i].Grad is not { } grad) continue;
            var average = _flat.AsSpan(_layout.Offset[i], _parameters[i].ElementCount);
            foreach (ref float v in average) v *= scale;
            grad.Backend.Upload(average, grad.Buffer);
        }
        Reset();
    }

    private void StartReadyBuckets()
    {
        while (_nextToStart < _inFlight.Length && _missing[_nextToStart] == 0)
        {
            var (start, length, _) = _layout.Buckets[_nextToStart];
            _inFlight[_nextToStart] = _communicator.StartAllReduceSum(_flat.AsMemory(start, length), _names[_nextToStart]);
            _nextToStart++;
        }
    }

    private void Reset()
    {
        Array.Clear(_arrived);
        Array.Clear(_inFlight);
        for (int b = 0; b < _missing.Length; b++) _missing[b] = _layout.Buckets[b].Members;
        _nextToStart = 0;
    }
}
