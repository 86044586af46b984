namespace Parley.Testing;

/// <summary>
/// What the test command (./test.sh) provides: throwaway PostgreSQL and Redis servers on loopback.
/// Outside CI a missing service skips the test with a clear reason; with <c>CI=true</c> it fails, so
/// CI can never go green by skipping.
/// </summary>
public static class TestEnvironment
{
    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Npgsql connection string of the throwaway PostgreSQL server (superuser, trust auth).</summary>
    public static string RequirePostgres() =>
        Require("PARLEY_TEST_POSTGRES", "PostgreSQL test server");

    /// <summary>host:port of the throwaway Redis server.</summary>
    public static string RequireRedis() =>
        Require("PARLEY_TEST_REDIS", "Redis test server");

    private static string Require(string variable, string what)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value) ? Unavailable(what, variable) : value;
    }

    private static string Unavailable(string what, string variable)
    {
        var reason = $"{what} not available: {variable} is not set. Run the tests with ./test.sh.";
        if (IsCi)
        {
            throw new InvalidOperationException("CI=true but " + reason);
        }

        Assert.Skip(reason);
        return string.Empty; // not reached: Assert.Skip throws
    }
}
