namespace AutoLoRa.Distributed;

/// <summary>The communicator this process runs with.</summary>
public static class Communicators
{
    /// <summary>Seconds a rank waits for one collective before it gives up (the peers are dead, hung or out of step).</summary>
    public const string TimeoutVariable = "AUTOLORA_COLLECTIVE_TIMEOUT_S";

    /// <summary>
    /// Long enough for the slowest honest wait (rank 0 writing a checkpoint, or the probe measurement
    /// the others wait for), short enough that a hung peer does not hold a job for good.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// MPI ranks when started by Open MPI's mpirun with more than one rank; otherwise
    /// <see cref="SingleProcess"/>, which loads no native library (a run without mpirun is what it
    /// always was).
    /// </summary>
    public static Communicator FromEnvironment()
    {
        if (!MpiLaunch.IsMultiRank(Environment.GetEnvironmentVariable)) return SingleProcess.Instance;
        return MpiCommunicator.Start(ConfiguredTimeout());
    }

    /// <summary>How long a rank waits for one collective: <see cref="TimeoutVariable"/>, else <see cref="DefaultTimeout"/>.</summary>
    public static TimeSpan ConfiguredTimeout() => Timeout(Environment.GetEnvironmentVariable(TimeoutVariable));

    internal static TimeSpan Timeout(string? seconds)
    {
        if (string.IsNullOrEmpty(seconds)) return DefaultTimeout;
        if (!double.TryParse(seconds, System.Globalization.CultureInfo.InvariantCulture, out double s) || !(s > 0))
            throw new DistributedException($"{TimeoutVariable} is '{seconds}': give a positive number of seconds.");
        return TimeSpan.FromSeconds(s);
    }
}
