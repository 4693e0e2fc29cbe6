using System.Text.Json.Serialization;
using AutoLoRa.Cli.Bench;

namespace AutoLoRa.Cli;

/// <summary>
/// Source-generated JSON for the lines the bench verbs print, so serialisation needs no run-time
/// reflection (the trimmed self-contained publish keeps working). Records get snake_case names;
/// `bench step`'s name → value table is a dictionary whose values are these primitive types.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(KernelBenchLine))]
[JsonSerializable(typeof(AllReduceBenchLine))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
