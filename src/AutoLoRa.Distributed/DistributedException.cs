namespace AutoLoRa.Distributed;

/// <summary>A failure of data-parallel machinery: MPI missing or foreign, a collective that failed or timed out, replicas that disagree.</summary>
public sealed class DistributedException(string message, Exception? inner = null) : Exception(message, inner);
