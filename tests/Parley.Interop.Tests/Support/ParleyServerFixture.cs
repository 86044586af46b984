using Parley.Testing;

namespace Parley.Interop.Tests.Support;

/// <summary>
/// One real Parley server process (SQLite, loopback) for a test class, with the messaging rate limits
/// off: the tests register, fetch bundles and send far faster than a person would.
/// </summary>
public sealed class ParleyServerFixture : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    /// <summary>The address clients connect to (its authority is the server name they sign).</summary>
    public string Url => Server.BaseUrl.ToString().TrimEnd('/');

    public async ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?> { ["Parley:Storage:Provider"] = "Sqlite" };
        foreach (var limit in new[] { "RegistrationsPerHour", "LoginsPerMinute", "BundleFetchesPerHour", "BundleFetchesPerTargetPerHour", "SendsPerSecond", "RequestsPerMinute" })
        {
            settings["Parley:Messaging:" + limit] = "0";
        }

        Server = await ServerProcess.StartAsync(settings);
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
