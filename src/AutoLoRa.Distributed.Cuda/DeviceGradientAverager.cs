using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Distributed.Interop;

namespace AutoLoRa.Distributed.Cuda;

/// <summary>
/// <see cref="GradientAverager"/>'s device twin: the same bucket layout (<see cref="GradientBuckets"/>,
/// so buckets pair up across ranks), but the flat array is device memory and the reduction NCCL's.
/// A gradient that backward completes is copied into its bucket on the compute stream; a bucket whose
/// gradients are all there gets its all-reduce (ncclAvg: the mean, computed by NCCL on the device)
/// queued on the NCCL stream behind an event of the compute stream, in bucket order on every rank.
/// <see cref="Complete"/> starts the rest, waits for the last bucket (NCCL's stream runs them in
/// order) with the communicator's deadline and error checks, and copies the means back into the
/// gradients on the compute stream after an event of the NCCL stream.
/// </summary>
internal sealed class DeviceGradientAverager : IReplicaGradients, IDisposable
{
    private readonly NcclCommunicator _owner;
    private readonly Tensor[] _parameters;
    private readonly Dictionary<Tensor, int> _index = new(ReferenceEqualityComparer.Instance);
    private readonly GradientBuckets _layout;
    private readonly Tensor _flat;
    private readonly ulong _flatPointer;
    private readonly bool[] _arrived;
    private readonly int[] _missing;
    private readonly nint[] _ready;
    private readonly nint[] _done;
    private readonly string[] _names;
    private int _nextToStart;

    public DeviceGradientAverager(NcclCommunicator owner, IReadOnlyList<Tensor> parameters, int bucketBytes = GradientAverager.DefaultBucketBytes)
    {
        _owner = owner;
        _parameters = [.. parameters];
        for (int i = 0; i < _parameters.Length; i++) _index.Add(_parameters[i], i);
        _layout = new GradientBuckets([.. _parameters.Select(p => p.ElementCount)], bucketBytes / sizeof(float));
        // A tensor owns the device buffer the buckets are ranges of; freed with the communicator.
        _flat = Tensor.Zeros(owner.Backend, new Shape(_layout.TotalElements));
        _flatPointer = owner.Backend.DevicePointer(_flat.Buffer, _layout.TotalElements);
        _arrived = new bool[_parameters.Length];
        _missing = new int[_layout.Buckets.Length];
        _ready = [.. _layout.Buckets.Select(_ => owner.CreateEvent())];
        _done = [.. _layout.Buckets.Select(_ => owner.CreateEvent())];
        _names = [.. Enumerable.Range(0, _layout.Buckets.Length).Select(b => $"the NCCL all-reduce of gradient bucket {b + 1} of {_layout.Buckets.Length}")];
        Reset();
    }

    void IGradientReadyListener.GradientReady(Tensor leaf)
    {
        if (!_index.TryGetValue(leaf, out int i) || _arrived[i] || leaf.Grad is not { } grad) return;
        _arrived[i] = true;
        int n = _parameters[i].ElementCount;
        Runtime.CopyDeviceToDevice(Slot(i), _owner.Backend.DevicePointer(grad.Buffer, n), (nuint)n * sizeof(float));
        if (--_missing[_layout.BucketOf[i]] == 0) StartReadyBuckets();
    }

    public void Complete()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            // A gradient backward never produced counts as zero in the mean, as on the host path.
            if (!_arrived[i]) Runtime.Fill32(Slot(i), 0, (nuint)_parameters[i].ElementCount);
        }
        for (int b = _nextToStart; b < _missing.Length; b++) _missing[b] = 0;
        StartReadyBuckets();
        int last = _done.Length - 1;
        _owner.WaitFor(_done[last], _names[last]);
        _owner.ComputeWaits(_done[last], _names[last]);
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (!_arrived[i] || _parameters[i].Grad is not { } grad) continue;
            int n = _parameters[i].ElementCount;
            Runtime.CopyDeviceToDevice(_owner.Backend.DevicePointer(grad.Buffer, n), Slot(i), (nuint)n * sizeof(float));
        }
        Reset();
    }

    /// <summary>Frees the events and the flat buffer (the communicator does, before it destroys NCCL's).</summary>
    public void Dispose()
    {
        foreach (var e in _ready.Concat(_done)) _owner.DestroyEvent(e);
        _flat.Dispose();
    }

    private IDeviceRuntime Runtime => _owner.Backend.Runtime;

    private ulong Slot(int parameter) => _flatPointer + (ulong)_layout.Offset[parameter] * sizeof(float);

    private void StartReadyBuckets()
    {
        while (_nextToStart < _missing.Length && _missing[_nextToStart] == 0)
        {
            var (start, length, _) = _layout.Buckets[_nextToStart];
            _owner.Enqueue(_flatPointer + (ulong)start * sizeof(float), length, NcclRedOp.Avg, _ready[_nextToStart], _done[_nextToStart], _names[_nextToStart]);
            _nextToStart++;
        }
    }

    private void Reset()
    {
        Array.Clear(_arrived);
        for (int b = 0; b < _missing.Length; b++) _missing[b] = _layout.Buckets[b].Members;
        _nextToStart = 0;
    }
}
