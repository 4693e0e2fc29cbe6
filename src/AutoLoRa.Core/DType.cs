namespace AutoLoRa.Core;

/// <summary>Element types a device buffer can hold: activations and weights are float32, labels int32.</summary>
public enum DType
{
    /// <summary>32-bit IEEE float.</summary>
    Float32,
    /// <summary>32-bit signed integer (labels, indices).</summary>
    Int32,
}
