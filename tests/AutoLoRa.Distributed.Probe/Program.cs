using AutoLoRa.Distributed.Cuda;
using AutoLoRa.Distributed.Probe;

// One check per mode, run on every rank; a failed check throws, so the rank exits non-zero and
// mpirun reports it. Each rank prints "<mode> ok on rank R" when its check passed.
string mode = args.Length > 0 ? args[0] : "";
AutoLoRa.Distributed.Communicator communicator = AutoLoRa.Distributed.Communicators.FromEnvironment();
switch (mode)
{
    case "collectives": CollectiveChecks.Run(communicator); break;
    case "buckets": BucketChecks.Run(communicator); break;
    case "equivalence": EquivalenceCheck.Run(communicator); break;
    case "finetune": FineTuneCheck.Run(communicator, args[1]); break;
    case "select-on-test": FineTuneCheck.Run(communicator, args[1], selectOnTest: true); break;
    case "mismatch": FineTuneCheck.Run(communicator, args[1], seed: 7 + communicator.Rank); break;
    case "die": FaultChecks.DeadRank(communicator); break;
    case "stuck": FaultChecks.StuckRank(communicator); break;
    case "nccl": communicator = NcclChecks.Open(communicator); NcclChecks.AllReduce((NcclCommunicator)communicator); NcclChecks.RefusedArguments((NcclCommunicator)communicator); break;
    case "nccl-die": communicator = NcclChecks.Open(communicator); NcclChecks.DeadRank((NcclCommunicator)communicator); break;
    case "nccl-stuck": communicator = NcclChecks.Open(communicator); NcclChecks.StuckRank((NcclCommunicator)communicator); break;
    default:
        Console.Error.WriteLine("usage: probe collectives|buckets|equivalence|finetune DIR|select-on-test DIR|mismatch DIR|die|stuck|nccl|nccl-die|nccl-stuck");
        return 2;
}
communicator.Finish();
Console.WriteLine($"{mode} ok on rank {communicator.Rank}");
return 0;
