using Microsoft.Extensions.Options;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Tests;

/// <summary>
/// <c>Parley:Storage:SqliteSynchronous</c>: every SQLite connection runs with the chosen
/// <c>PRAGMA synchronous</c> — FULL by default (each commit fsyncs the WAL before anyone is answered),
/// NORMAL only when asked — and a value that is neither stops the server with the key named.
/// </summary>
public sealed class SqliteSynchronousTests
{
    [Theory]
    [InlineData(null, 2L)]
    [InlineData(SqliteSynchronous.Full, 2L)]
    [InlineData(SqliteSynchronous.Normal, 1L)]
    public async Task The_writer_and_the_readers_run_with_the_configured_synchronous_level(SqliteSynchronous? setting, long pragma)
    {
        var directory = Directory.CreateTempSubdirectory("parley-sync-").FullName;
        try
        {
            var options = new StorageOptions { DataDirectory = directory };
            if (setting is { } chosen)
            {
                options.SqliteSynchronous = chosen;
            }

            using var db = new SqliteDatabase(Options.Create(options), []);
            db.Write(0, static (s, _) => (long)s.Statement("PRAGMA synchronous").ExecuteScalar()!).ShouldBe(pragma);
            (await db.ReadAsync(0, static (s, _) => (long)s.Statement("PRAGMA synchronous").ExecuteScalar()!, TestContext.Current.CancellationToken))
                .ShouldBe(pragma);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_level_stops_the_server_naming_the_key()
    {
        var settings = new Dictionary<string, string?> { ["Parley:Storage:Provider"] = "sqlite", ["Parley:Storage:SqliteSynchronous"] = "sometimes" };
        var failure = await Should.ThrowAsync<InvalidOperationException>(() =>
            ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken));
        failure.Message.ShouldContain("Parley:Storage:SqliteSynchronous");
    }
}
