namespace AutoLoRa.Core;

/// <summary>Element types a device buffer can hold: activations and weights are float32, labels int32.</summary>
public enum DType
{
    Float32,
    Int32,
}
