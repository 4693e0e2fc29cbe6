using System.Text.Json.Serialization;
using AutoLoRa.Cli.Bench;

namespace AutoLoRa.Cli;

/// <summary>
/// Source-generated JSON for what the CLI itself prints and writes, so serialisation needs no
/// run-time reflection (the trimmed self-contained publish keeps working).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(KernelBenchLine))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
