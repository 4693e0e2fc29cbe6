using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AutoLoRa.Training.Recipes;

namespace AutoLoRa.Training.Reproduction;

/// <summary>
/// What makes two runs the same run: a SHA-256 over a canonical JSON description. Settings enter
/// as their difference from the defaults, so a field added to <see cref="RecipeSettings"/> later
/// (with a default that keeps the old behaviour) leaves every finished cell finished.
/// </summary>
public static class CellIdentity
{
    /// <summary>Lower-case hex SHA-256 of <paramref name="description"/>'s JSON.</summary>
    public static string Hash(JsonNode description) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(description.ToJsonString())));

    /// <summary>The settings that differ from a default recipe of the same method and epochs, plus those two (run directory left out).</summary>
    public static JsonObject Settings(RecipeSettings s)
    {
        var actual = JsonSerializer.SerializeToNode(s with { RunDirectory = "" }, CellIdentityJsonContext.Default.RecipeSettings)!.AsObject();
        var defaults = JsonSerializer.SerializeToNode(new RecipeSettings { Method = s.Method, Epochs = s.Epochs, RunDirectory = "" }, CellIdentityJsonContext.Default.RecipeSettings)!.AsObject();
        var changed = new JsonObject { ["Method"] = s.Method.ToString(), ["Epochs"] = s.Epochs };
        foreach (var (key, value) in actual)
        {
            if (!JsonNode.DeepEquals(value, defaults[key])) changed[key] = value?.DeepClone();
        }
        return changed;
    }
}

/// <summary>Source-generated JSON for the settings in a cell's identity (enums by name, as identities were first written).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(RecipeSettings))]
internal sealed partial class CellIdentityJsonContext : JsonSerializerContext;
