using Parley.Testing;

namespace Parley.Cli.Tests;

/// <summary>One real Parley server (separate process, SQLite, loopback) shared by the CLI tests of a class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    /// <summary>Test-friendly operator config: a 2-second expiry choice, cheap PBKDF2, two passphrase attempts.</summary>
    public static Dictionary<string, string?> Settings(string provider = "Sqlite") => new()
    {
        ["Parley:Storage:Provider"] = provider,
        ["Parley:Secrets:ExpiryChoices:0"] = "00:00:02",
        ["Parley:Secrets:ExpiryChoices:1"] = "01:00:00",
        ["Parley:Secrets:ExpiryChoices:2"] = "1.00:00:00",
        ["Parley:Secrets:ExpiryChoices:3"] = "7.00:00:00",
        ["Parley:Secrets:DefaultExpiry"] = "01:00:00",
        ["Parley:Secrets:MinPassphraseIterations"] = "1000",
        ["Parley:Secrets:DefaultPassphraseIterations"] = "2000",
        ["Parley:Secrets:MaxPassphraseAttempts"] = "2",
        ["Parley:Secrets:CreatePerMinute"] = "100000",
    };

    public ServerProcess Server { get; private set; } = null!;

    public string Url => Server.BaseUrl.ToString().TrimEnd('/');

    public async ValueTask InitializeAsync() => Server = await ServerProcess.StartAsync(Settings());

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
