namespace AutoLoRa.ModelFiles;

/// <summary>A checkpoint or model file does not fit what was asked of it (missing tensors, wrong shapes, bad metadata).</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);
