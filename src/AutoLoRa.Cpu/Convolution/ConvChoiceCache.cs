using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>One measured choice: a pass of one convolution shape, with or without Winograd among the candidates.</summary>
internal readonly record struct ConvChoiceKey(ConvPass Pass, bool Winograd, ConvGeometry G);

/// <summary>
/// The autotuner's winners: in memory for the process, and in a text file so the next process on the
/// same machine starts without measuring. The file names the CPU it was measured on
/// (<see cref="CpuIdentity.Key"/>) on its second line; a file from another CPU, or one that does not
/// parse, is ignored with a one-line warning and replaced at the next store. Stores write a
/// temporary file beside it and rename it over the old one, so a reader never sees half a file,
/// and take turns across processes by a lock file beside it (<see cref="LockFile"/>).
/// Every measured choice is saved, a busy machine's too: once a shape is in the file, every later
/// process on this CPU runs the same algorithm, so its runs repeat bit for bit (a resumed run equals
/// the uninterrupted one). A store first takes in what other processes saved meanwhile, keeping
/// their choice where both measured the same shape, and the storing process then runs that choice
/// too (it has only measured the shape, not run it): concurrent processes — the ranks of a
/// data-parallel run — converge on one file and on one algorithm per shape. A process itself never
/// changes a shape's algorithm once it has run it.
/// Delete the file to measure again (for example after measuring on a busy machine).
/// </summary>
/// <remarks>
/// Format, one choice per line after the header:
/// <code>
/// autolora conv-algorithms 8
/// cpu &lt;key&gt;
/// &lt;pass&gt; &lt;winograd|exact&gt; N C H W K R S strideH strideW padH padW &lt;algorithm&gt;
/// </code>
/// </remarks>
internal sealed class ConvChoiceCache
{
    // Version 2: the candidates gained gemm-spread and direct-row-pairs; version 3: the filter gradient
    // gained blocked; version 4: direct-few-channels (the stem) and pointwise-direct (the shortcuts'
    // forward); version 5: on AVX2 machines, Winograd's schedules (8-lane vectors), direct-few-channels
    // and direct-row-pairs (4-pixel rows), and blocked and direct filter gradients and GEMM packing
    // 10–100 % faster there (enough to change winners). An older file's choices were measured without
    // them and would keep the new candidates from ever being timed, so it is measured again. Version 6:
    // gemm-padded packs runs of 4 and 8 floats a run at a time down the block (on Zen 3 it went from
    // behind direct-row-pairs to ahead of it on r18w16-b64's layer4.0a), and sub-pixel copies whole
    // 16-float runs by two vectors. Version 7: the filter gradient gained winograd-per-core. Version 8:
    // candidates are compared within rounds, by the median, in alternating order (ConvCandidateTiming;
    // the choices saved before were judged by fastest calls, which a busy machine's fast moments can
    // sway), and at 8 lanes the Winograd schedules' output stage stores whole lines of 32-wide rows and
    // adds the bias in the transform (layer1 of r18w16-b64 with an epilogue: the stage 1.2–1.6× faster),
    // and the forward from at most 3 channels (the stem) gained direct-few-inputs.
    private const string Magic = "autolora conv-algorithms 8";

    private static readonly Lazy<ConvChoiceCache> SharedCache = new(() => new ConvChoiceCache(DefaultPath(), CpuIdentity.Current.Key, Console.Error));

    private readonly ConcurrentDictionary<ConvChoiceKey, ConvAlgorithm> _choices = new();
    private readonly string? _path;
    private readonly string _cpuKey;
    private readonly TextWriter _log;
    private readonly Lock _writing = new();
    private bool _writeFailed;

    /// <param name="path">The file to load and store, or null for memory only.</param>
    /// <param name="cpuKey">Whose measurements belong here (<see cref="CpuIdentity.Key"/>).</param>
    /// <param name="log">Where the one-line warnings go.</param>
    public ConvChoiceCache(string? path, string cpuKey, TextWriter log)
    {
        _path = path;
        _cpuKey = cpuKey;
        _log = log;
        if (path is not null) Load(path);
    }

    /// <summary>The process-wide cache every CPU backend shares, on disk under the user's cache directory.</summary>
    public static ConvChoiceCache Shared => SharedCache.Value;

    /// <summary>Choices held (loaded or measured).</summary>
    public int Count => _choices.Count;

    /// <summary>
    /// $XDG_CACHE_HOME/autolora, else ~/.cache/autolora, with one file per CPU (the key's hash in its
    /// name, so machines sharing a home directory keep their own); null when neither is known.
    /// </summary>
    public static string? DefaultPath()
    {
        string? root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(root) || !Path.IsPathRooted(root))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(home)) return null;
            root = Path.Combine(home, ".cache");
        }
        return Path.Combine(root, "autolora", $"conv-algorithms-{Fnv1a(CpuIdentity.Current.Key):x16}.txt");
    }

    public bool TryGet(in ConvChoiceKey key, out ConvAlgorithm algorithm) => _choices.TryGetValue(key, out algorithm);

    /// <summary>
    /// Keeps the winner <paramref name="measured"/> of a shape this process has measured but not yet
    /// run, rewrites the file with every choice held and every one already saved there, and returns
    /// the algorithm to run: the one another process saved first for the shape, else
    /// <paramref name="measured"/>.
    /// </summary>
    public ConvAlgorithm Store(in ConvChoiceKey key, ConvAlgorithm measured)
    {
        if (_path is null) return _choices.GetOrAdd(key, measured);
        lock (_writing)
        {
            if (_writeFailed) return _choices.GetOrAdd(key, measured);
            string temporary = $"{_path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
                using var exclusive = LockFile();
                // The file keeps what was saved first; this process keeps what it already ran (a shape's
                // algorithm never changes within a process, so a finite-difference check or a resumed
                // step does not mix two roundings) and takes the others' choices for shapes it has not
                // run — this one included: two ranks that measured it at once would otherwise each run
                // their own winner, and a resumed run (which reads the file) would not repeat them.
                var saved = ReadChoices(_path, warn: false);
                foreach (var (shape, choice) in saved) _choices.TryAdd(shape, choice);
                var chosen = _choices.GetOrAdd(key, measured);
                var file = new Dictionary<ConvChoiceKey, ConvAlgorithm>(_choices);
                foreach (var (shape, choice) in saved) file[shape] = choice;
                File.WriteAllText(temporary, Serialize(file), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                File.Move(temporary, _path, overwrite: true);
                return chosen;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _writeFailed = true;
                _log.WriteLine($"warning: convolution autotuning could not save its choices to {_path} ({e.Message}); they are kept for this process only.");
                try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                return _choices.GetOrAdd(key, measured);
            }
        }
    }

    /// <summary>
    /// Holds the lock file beside the cache (opened without sharing: an flock on Unix, released when
    /// the handle closes or the process dies) for one read-merge-write, so two processes storing at
    /// once take turns: without it both could read the file before either wrote it, and each would
    /// run its own winner for a shape they both measured. Waits at most <see cref="LockPatience"/>,
    /// then gives up with an <see cref="IOException"/> (the caller warns and keeps its choices in memory).
    /// </summary>
    private FileStream LockFile()
    {
        string lockPath = _path + ".lock";
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < LockPatience)
            {
                Thread.Sleep(5);
            }
        }
    }

    /// <summary>How long a store waits for another process's store (each takes milliseconds).</summary>
    private static readonly TimeSpan LockPatience = TimeSpan.FromSeconds(10);

    private string Serialize(Dictionary<ConvChoiceKey, ConvAlgorithm> choices)
    {
        var text = new StringBuilder();
        text.Append(Magic).Append('\n').Append("cpu ").Append(_cpuKey).Append('\n');
        foreach (var (key, algorithm) in choices.OrderBy(c => Format(c.Key), StringComparer.Ordinal))
        {
            text.Append(Format(key)).Append(' ').Append(algorithm.Name()).Append('\n');
        }
        return text.ToString();
    }

    private static string Format(in ConvChoiceKey key)
    {
        var g = key.G;
        return string.Create(CultureInfo.InvariantCulture,
            $"{PassName(key.Pass)} {(key.Winograd ? "winograd" : "exact")} {g.N} {g.C} {g.H} {g.W} {g.K} {g.R} {g.S} {g.StrideH} {g.StrideW} {g.PadH} {g.PadW}");
    }

    private static string PassName(ConvPass pass) => pass switch
    {
        ConvPass.Forward => "forward",
        ConvPass.DataGradient => "data",
        _ => "filter",
    };

    private void Load(string path)
    {
        foreach (var (key, algorithm) in ReadChoices(path, warn: true)) _choices[key] = algorithm;
    }

    /// <summary>The file's choices; none (with a warning if <paramref name="warn"/>) when it is missing, unreadable, foreign or corrupt.</summary>
    private List<(ConvChoiceKey, ConvAlgorithm)> ReadChoices(string path, bool warn)
    {
        var loaded = new List<(ConvChoiceKey, ConvAlgorithm)>();
        string[] lines;
        try
        {
            if (!File.Exists(path)) return loaded;
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (warn) _log.WriteLine($"warning: convolution autotuning could not read {path} ({e.Message}); measuring again.");
            return loaded;
        }
        if (lines.Length < 2 || lines[0] != Magic || !lines[1].StartsWith("cpu ", StringComparison.Ordinal))
        {
            if (warn) _log.WriteLine($"warning: {path} is not a convolution-algorithm cache this version wrote; ignoring it (measuring again).");
            return loaded;
        }
        if (lines[1][4..] != _cpuKey)
        {
            if (warn) _log.WriteLine($"warning: {path} was measured on another CPU ({lines[1][4..]}, this is {_cpuKey}); ignoring it (measuring again).");
            return loaded;
        }
        for (int i = 2; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            if (!TryParse(lines[i], out var key, out var algorithm))
            {
                if (warn) _log.WriteLine($"warning: {path} line {i + 1} does not parse ('{Shorten(lines[i])}'); ignoring the file (measuring again).");
                loaded.Clear();
                return loaded;
            }
            loaded.Add((key, algorithm));
        }
        return loaded;
    }

    private static bool TryParse(string line, out ConvChoiceKey key, out ConvAlgorithm algorithm)
    {
        key = default;
        algorithm = default;
        string[] f = line.Split(' ');
        if (f.Length != 14) return false;
        ConvPass pass;
        switch (f[0])
        {
            case "forward": pass = ConvPass.Forward; break;
            case "data": pass = ConvPass.DataGradient; break;
            case "filter": pass = ConvPass.FilterGradient; break;
            default: return false;
        }
        if (f[1] is not ("winograd" or "exact")) return false;
        var v = new int[11];
        for (int i = 0; i < 11; i++)
        {
            if (!int.TryParse(f[2 + i], NumberStyles.None, CultureInfo.InvariantCulture, out v[i])) return false;
        }
        var g = new ConvGeometry(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
        try
        {
            g.Validate();
        }
        catch (ArgumentException)
        {
            return false;
        }
        if (!ConvAlgorithmNames.TryParse(f[13], out algorithm)) return false;
        key = new ConvChoiceKey(pass, f[1] == "winograd", g);
        return true;
    }

    private static string Shorten(string line) => line.Length <= 60 ? line : line[..60] + "…";

    /// <summary>FNV-1a over the key's UTF-16 code units: stable across processes, unlike string.GetHashCode.</summary>
    private static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037;
        foreach (char c in text) hash = (hash ^ c) * 1099511628211;
        return hash;
    }
}
