namespace AutoLoRa.Training;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls back on the reporting thread, at once. (Progress&lt;T&gt;
/// posts to the thread pool, so reports arrive late and out of order — wrong for progress bars
/// and for tests that act on a report.)
/// </summary>
public sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => report(value);
}
