using System.Text.Json.Nodes;
using AutoLoRa.Reproduction;

namespace AutoLoRa.Reproduction.Tests;

/// <summary>
/// A finished cell is skipped when its result.json carries the cell's identity, so identities are
/// a file format: these values were computed before the settings schema replaced the settings
/// union, and must not change while the plan does not (every setting key is set somewhere). The
/// vanilla and TWINS rows changed once, on purpose, with their default learning rates
/// (<c>DefaultsRevision</c> 1): cells run at the old defaults must run again.
/// </summary>
public sealed class CellIdentityGoldenTests
{
    private static JsonObject EverySetting()
    {
        var json = TinyPlan.Json();
        json["methods"] = new JsonArray("autolora", "vanilla", "twins", "natural");
        json["method-settings"] = new JsonObject
        {
            ["vanilla"] = new JsonObject { ["lr"] = 0.003, ["weight-decay"] = 1e-5, ["lr-milestones"] = new JsonArray(30, 50), ["beta"] = 3 },
            ["twins"] = new JsonObject { ["gamma"] = 0.4, ["twins-kl"] = "mean" },
        };
        json["ablations"] = new JsonArray(
            new JsonObject { ["name"] = "rank4", ["settings"] = new JsonObject { ["rank"] = 4 } },
            new JsonObject { ["name"] = "fixed", ["methods"] = new JsonArray("autolora"), ["settings"] = new JsonObject { ["lambda1"] = 0.5, ["lambda2"] = 6 } },
            new JsonObject { ["name"] = "auto", ["methods"] = new JsonArray("vanilla", "twins"), ["settings"] = new JsonObject { ["auto-scalars"] = true, ["alpha"] = 2, ["lambda2-max"] = 4, ["grad-sim-batches"] = 1 } },
            new JsonObject
            {
                ["name"] = "rest",
                ["settings"] = new JsonObject
                {
                    ["momentum"] = 0.5, ["validation-step"] = 0.01, ["crop-padding"] = 2, ["horizontal-flip"] = true,
                    ["lr"] = null,
                },
            });
        return json;
    }

    [Fact]
    public void IdentitiesOfAnUnchangedPlanStayTheSame()
    {
        var grid = PlanGrid.Expand(TinyPlan.Parse(EverySetting()));
        string actual = string.Join("\n", grid.Models.Select(m => $"model {m.Identity}").Concat(grid.Cells.Select(c => $"{c.Name} {c.Identity}")));
        Assert.Equal(Golden, actual);
    }

    private const string Golden =
        "model 8121e18c4186fd2d00b6ed87ac9870405f55b7bb53537ceccbf3ce1895cb15fb\n" +
        "halves.mini4.autolora.default.s1 e227dfa023b19bbe28fa14b8e480bf9bbb95e4dabba20ad480b47922aa6b9ec7\n" +
        "halves.mini4.autolora.rank4.s1 67d0475580bf23d3089a9dc8324d196db9f3d51b47f0d8e06711c023ee31ccd4\n" +
        "halves.mini4.autolora.fixed.s1 d8b969a6a967da797db5890d19b0abb6b71ec9cdc432de0885ac2b90d14bb63e\n" +
        "halves.mini4.autolora.rest.s1 e1eb316ea8c64dc0e1b2cc23d3788093dd38fe3c30191523ad3ce3e0e841e6ad\n" +
        "halves.mini4.vanilla.default.s1 321c4787a889b7d44ec4015ef1dcfe49167b0807d156a5fd63e587b9df532494\n" +
        "halves.mini4.vanilla.rank4.s1 4954f5fd6a7d538d928fc7cc3cce77e40876a8029af2c669276156d03aeba8cb\n" +
        "halves.mini4.vanilla.auto.s1 fc459e98df0f4fe42e095ca65366fc19d7da6ababb6f49ebc903e9d12ed802a7\n" +
        "halves.mini4.vanilla.rest.s1 8a316d39a731e1558ca17b776e7b884f797697579a82e72cbadc09cf1cccb3c0\n" +
        "halves.mini4.twins.default.s1 9d51e46007f5bda1514fada488e91495cdeff0886929c1fa3d4b297eb5b28edb\n" +
        "halves.mini4.twins.rank4.s1 b154721857f784f7430d1fb532a4321f1ba7c030ba350d53f8584bae6955a736\n" +
        "halves.mini4.twins.auto.s1 0b1f53c4f8260c92c06e779f394cc7a37251ff515bac6fa3b3a29ab6fa032005\n" +
        "halves.mini4.twins.rest.s1 0daed2751600b1a6e01d2fefa5b749cec716c0ed4e00be1cc8f846c53a97a8b3\n" +
        "halves.mini4.natural.default.s1 0f65fb3c84d738db4f42bac187de0186a502835e066d546af10e9bad9a4f2505\n" +
        "halves.mini4.natural.rank4.s1 5d4bc4b85a620a12f55d00f4f487acf7d852ac8b00ec6695c24548413fa11b3b\n" +
        "halves.mini4.natural.rest.s1 a016589ca1d750f59bb2d6cf48f747a34247e789d36c308f0f5e7c12299d5a10";
}
