using AutoLoRa.Formats.PyTorch;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.ModelFiles;

/// <summary>A model rebuilt from a PyTorch checkpoint, with how its keys were mapped and what was inferred.</summary>
public sealed record ImportedModel(Classifier Model, KeyMappingReport Report, IReadOnlyList<string> Inferred);
