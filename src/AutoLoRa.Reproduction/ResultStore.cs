using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using AutoLoRa.Formats;

namespace AutoLoRa.Reproduction;

/// <summary>
/// The output directory of a plan: models/&lt;backbone&gt;/ and cells/&lt;cell&gt;/ run directories,
/// each with training.json once training is done, result.json in each cell once it is evaluated,
/// and results.md / results.csv for the whole plan. Every file is replaced atomically, so a crash
/// leaves either the old file or the new one and a rerun trusts whatever it finds.
/// </summary>
public sealed class ResultStore(string root)
{
    /// <summary>File names of a cell's result and of a finished training.</summary>
    public const string ResultFile = "result.json", TrainedFile = "training.json";

    /// <summary>The output folder of the plan.</summary>
    public string Root { get; } = root;

    /// <summary>Root/cells/&lt;cell&gt;: the cell's run and result.</summary>
    public string CellDirectory(PlanCell cell) => Path.Combine(Root, "cells", cell.DirectoryName);

    /// <summary>Root/models/&lt;model&gt;: a pre-trained backbone.</summary>
    public string ModelDirectory(GridModel model) => Path.Combine(Root, "models", model.DirectoryName);

    /// <summary>The cell's result when it exists and belongs to exactly this cell; otherwise the cell is not finished.</summary>
    public CellResult? ReadResult(PlanCell cell) =>
        Read(Path.Combine(CellDirectory(cell), ResultFile), ResultStoreJsonContext.Default.CellResult) is { } r && r.Identity == cell.Identity ? r : null;

    /// <summary>Writes the cell's result.json (atomically).</summary>
    public void WriteResult(PlanCell cell, CellResult result) => Write(Path.Combine(CellDirectory(cell), ResultFile), result, ResultStoreJsonContext.Default.CellResult);

    /// <summary>The finished training phase in <paramref name="directory"/> when it has this identity, else null.</summary>
    public static TrainedRun? ReadTrained(string directory, string identity) =>
        Read(Path.Combine(directory, TrainedFile), ResultStoreJsonContext.Default.TrainedRun) is { } t && t.Identity == identity ? t : null;

    /// <summary>Writes training.json into <paramref name="directory"/> (atomically).</summary>
    public static void WriteTrained(string directory, TrainedRun trained) => Write(Path.Combine(directory, TrainedFile), trained, ResultStoreJsonContext.Default.TrainedRun);

    /// <summary>Writes results.md, results.csv and results-paired.csv (the paired tests) for the results so far.</summary>
    public void WriteTables(PlanGrid grid, IReadOnlyList<CellResult> results)
    {
        var table = new ResultsTable(grid.Plan, grid.Cells.Count, results);
        AtomicFile.WriteAllText(Path.Combine(Root, "results.md"), table.Markdown());
        AtomicFile.WriteAllText(Path.Combine(Root, "results.csv"), table.Csv());
        AtomicFile.WriteAllText(Path.Combine(Root, "results-paired.csv"), table.PairedCsv());
    }

    /// <summary>A file of ours that a crash cannot have half-written; one that does not parse (edited by hand?) counts as absent.</summary>
    private static T? Read<T>(string path, JsonTypeInfo<T> type) where T : class
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Write<T>(string path, T value, JsonTypeInfo<T> type)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, type));
    }
}

/// <summary>Source-generated JSON for a plan's result files (indented: people read them too).</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(CellResult))]
[JsonSerializable(typeof(TrainedRun))]
internal sealed partial class ResultStoreJsonContext : JsonSerializerContext;
