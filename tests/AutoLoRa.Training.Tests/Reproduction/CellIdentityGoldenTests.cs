using System.Text.Json.Nodes;
using AutoLoRa.Training.Reproduction;

namespace AutoLoRa.Training.Tests.Reproduction;

/// <summary>
/// A finished cell is skipped when its result.json carries the cell's identity, so identities are
/// a file format: these values were computed before the settings schema replaced the settings
/// union, and must not change while the plan does not (every setting key is set somewhere).
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
        "halves.mini4.vanilla.default.s1 e635304c6738e416da6b34c93283776c31f646fa9d24ea10ec702956649acf93\n" +
        "halves.mini4.vanilla.rank4.s1 6b82ca8863224033f3015d0ff41b4fd534e114beaed6df5e653008123224799d\n" +
        "halves.mini4.vanilla.auto.s1 81528ffc4dae61a004aba87c7fe240afa0c701a930c950d6fce8cb466e5bc8fe\n" +
        "halves.mini4.vanilla.rest.s1 d2ab0f2f2d7795649fda9b39574f6924247e55b062c032f74e9970f970ab0b34\n" +
        "halves.mini4.twins.default.s1 c5a08d637ee27f8f3ac8f33fc5b5d75405d1d42bf3618ef1d52df9589e90cc39\n" +
        "halves.mini4.twins.rank4.s1 86bcd8fec640793d6b5c3f4bc5c63a94cc4b92bee454d384ef255326b1e4d1cf\n" +
        "halves.mini4.twins.auto.s1 67d1277c63a55fa4948c8ed8f0bc266b9ee8a97b0dde35567eb51491a117d10c\n" +
        "halves.mini4.twins.rest.s1 d6f69fa20f5d0d2992324593b2316d0a3635299996f3dc1584d9fdfa79eb14fe\n" +
        "halves.mini4.natural.default.s1 0f65fb3c84d738db4f42bac187de0186a502835e066d546af10e9bad9a4f2505\n" +
        "halves.mini4.natural.rank4.s1 5d4bc4b85a620a12f55d00f4f487acf7d852ac8b00ec6695c24548413fa11b3b\n" +
        "halves.mini4.natural.rest.s1 a016589ca1d750f59bb2d6cf48f747a34247e789d36c308f0f5e7c12299d5a10";
}
