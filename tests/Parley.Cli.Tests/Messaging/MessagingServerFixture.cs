using Microsoft.Data.Sqlite;
using Parley.Testing;

namespace Parley.Cli.Tests.Messaging;

/// <summary>One real server process (SQLite, loopback) for the messaging CLI tests of a class, with the messaging rate limits off.</summary>
public class MessagingServerFixture : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    public string Url => Server.BaseUrl.ToString().TrimEnd('/');

    /// <summary>The server's SQLite file (tests read queued ciphertext from it, as an eavesdropper on the server would).</summary>
    public string DatabasePath => Path.Combine(Server.DataDirectory, "parley.db");

    /// <summary>The folder where the server keeps the sealed bytes of attachments (SQLite provider).</summary>
    public string BlobFolder => Path.Combine(Server.DataDirectory, "blobs");

    /// <summary>How many blobs the server's table holds.</summary>
    public long BlobRows()
    {
        using var db = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT count(*) FROM blobs";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The files in <see cref="BlobFolder"/>.</summary>
    public HashSet<string> BlobFiles() => Directory.Exists(BlobFolder) ? [.. Directory.GetFiles(BlobFolder)] : [];

    public async ValueTask InitializeAsync()
    {
        var settings = ServerFixture.Settings();
        settings["Parley:Messaging:RegistrationsPerHour"] = "0";
        settings["Parley:Messaging:LoginsPerMinute"] = "0";
        settings["Parley:Messaging:BundleFetchesPerHour"] = "0";
        settings["Parley:Messaging:BundleFetchesPerTargetPerHour"] = "0";
        settings["Parley:Messaging:SendsPerSecond"] = "0";
        settings["Parley:Messaging:RequestsPerMinute"] = "0";
        Configure(settings);
        Server = await ServerProcess.StartAsync(settings);
    }

    /// <summary>Operator settings of a fixture that needs more than the defaults.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>A messaging server whose operator limits attachments to 1 MiB sealed (<c>Parley:Blobs:MaxBlobBytes</c>).</summary>
public sealed class SmallBlobsServerFixture : MessagingServerFixture
{
    public const long MaxBlobBytes = 1024 * 1024;

    protected override void Configure(Dictionary<string, string?> settings) =>
        settings["Parley:Blobs:MaxBlobBytes"] = MaxBlobBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
