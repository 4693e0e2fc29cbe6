namespace AutoLoRa.Training;

/// <summary>The directory a run or evaluation writes into.</summary>
public static class RunDirectories
{
    /// <summary>
    /// Creates <paramref name="directory"/> (and its parents) or says in one sentence why it cannot
    /// be: the system's own message for a path such as /proc/x is "Could not find file", which
    /// names neither the run directory nor what to do.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be created.</exception>
    public static void Create(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new IOException($"the run directory {directory} cannot be created ({e.Message}); choose a writable one.", e);
        }
    }
}
