using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AutoLoRa.Training.Recipes;

namespace AutoLoRa.Reproduction;

/// <summary>
/// What makes two runs the same run: a SHA-256 over a canonical JSON description. Settings enter
/// as their difference from the defaults (in <see cref="SettingsJson"/>'s shape), so a setting added
/// later (with a default that keeps the old behaviour) leaves every finished cell finished.
/// </summary>
public static class CellIdentity
{
    /// <summary>Lower-case hex SHA-256 of <paramref name="description"/>'s JSON.</summary>
    public static string Hash(JsonNode description) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(description.ToJsonString())));

    /// <summary>
    /// The settings that differ from a default recipe of the same method and epochs, plus those two
    /// and the method's defaults revision when it has one (run directory left out).
    /// </summary>
    public static JsonObject Settings(RecipeSettings s)
    {
        var actual = SettingsJson.Write(s with { RunDirectory = "" });
        var defaults = SettingsJson.Write(new RecipeSettings { Method = s.Method, Epochs = s.Epochs, RunDirectory = "" });
        var changed = new JsonObject { ["Method"] = s.Method.Title, ["Epochs"] = s.Epochs };
        if (s.Method.DefaultsRevision > 0) changed["DefaultsRevision"] = s.Method.DefaultsRevision;
        foreach (var (key, value) in actual)
        {
            if (!JsonNode.DeepEquals(value, defaults[key])) changed[key] = value?.DeepClone();
        }
        return changed;
    }
}

