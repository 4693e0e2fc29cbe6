using System.Text.Json.Serialization;
using AutoLoRa.Training.Checkpoints;

namespace AutoLoRa.Training;

/// <summary>
/// Source-generated JSON (no run-time reflection, so a trimmed build keeps working) for the run
/// files that other tools read too: the per-epoch lines of log.jsonl (<see cref="EpochRecord"/>)
/// and the run state in a checkpoint's metadata (<see cref="RunState"/>). Default options: the
/// property names as declared, compact.
/// </summary>
[JsonSerializable(typeof(EpochRecord))]
[JsonSerializable(typeof(RunState))]
public sealed partial class TrainingJsonContext : JsonSerializerContext;
