namespace AutoLoRa.Data.Tests.Support;

/// <summary>Asserts on the data layer's one exception type and the message parts users rely on.</summary>
public static class Throws
{
    /// <summary>Runs <paramref name="action"/>, expects a DataFormatException whose message contains every fragment.</summary>
    public static DataFormatException DataError(Action action, params string[] fragments)
    {
        var e = Assert.Throws<DataFormatException>(action);
        foreach (string f in fragments) Assert.Contains(f, e.Message);
        return e;
    }
}
