using Parley.Testing;

namespace Parley.Cli.Tests.Messaging;

/// <summary>One real server process (SQLite, loopback) for the messaging CLI tests of a class, with the messaging rate limits off.</summary>
public sealed class MessagingServerFixture : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    public string Url => Server.BaseUrl.ToString().TrimEnd('/');

    /// <summary>The server's SQLite file (tests read queued ciphertext from it, as an eavesdropper on the server would).</summary>
    public string DatabasePath => Path.Combine(Server.DataDirectory, "parley.db");

    public async ValueTask InitializeAsync()
    {
        var settings = ServerFixture.Settings();
        settings["Parley:Messaging:RegistrationsPerHour"] = "0";
        settings["Parley:Messaging:LoginsPerMinute"] = "0";
        settings["Parley:Messaging:BundleFetchesPerHour"] = "0";
        settings["Parley:Messaging:BundleFetchesPerTargetPerHour"] = "0";
        settings["Parley:Messaging:SendsPerSecond"] = "0";
        settings["Parley:Messaging:RequestsPerMinute"] = "0";
        Server = await ServerProcess.StartAsync(settings);
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
