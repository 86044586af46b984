using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Webhooks;
using Parley.Server.Features.Webhooks.Storage;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// A database from before the outbox kept events instead of bodies (webhooks schema version 1) upgrades in place:
/// an event it had queued is still delivered with the body it was queued with, and new events queue beside it.
/// </summary>
public sealed class WebhookSchemaUpgradeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly SecretId Subject = SecretId.New();
    private static readonly byte[] OldBody = Encoding.UTF8.GetBytes("{\"type\":\"secret.opened\",\"queued\":\"before the upgrade\"}");

    private static readonly FeatureSchema Version1 =
        WebhooksSchema.Schema with { Sqlite = [WebhooksSchema.Schema.Sqlite[0]], Postgres = [WebhooksSchema.Schema.Postgres[0]] };

    /// <summary>A version 1 target and an event queued for it, in either provider's SQL (<paramref name="blob"/> writes a blob literal).</summary>
    private static string Version1Rows(Func<byte[], string> blob) => $"""
        INSERT INTO webhook_targets (subject_id, kind, report_id, url, signing_key, expires_at)
          VALUES ({blob(Subject.ToByteArray())}, 1, {blob(Subject.ToByteArray())}, 'https://receiver.example/hook', {blob(new byte[32])},
                  {T0.AddHours(1).ToUnixTimeMilliseconds()});
        INSERT INTO webhook_outbox (id, subject_id, body, created_at, next_attempt_at)
          VALUES ('msg_old', {blob(Subject.ToByteArray())}, {blob(OldBody)}, {T0.ToUnixTimeMilliseconds()}, {T0.ToUnixTimeMilliseconds()});
        """;

    [Fact]
    public async Task A_sqlite_database_keeps_its_queued_event_across_the_upgrade()
    {
        var directory = Directory.CreateTempSubdirectory("parley-webhook-upgrade-").FullName;
        try
        {
            var options = Options.Create(new StorageOptions { DataDirectory = directory });
            using (var old = new SqliteDatabase(options, [Version1]))
            {
                old.Write(Version1Rows(b => $"X'{Convert.ToHexString(b)}'"), static (s, sql) =>
                {
                    s.Execute(sql);
                    return 0;
                });
            }

            using var db = new SqliteDatabase(options, [WebhooksSchema.Schema]);
            await QueuedEventsSurviveAsync(new SqliteWebhookStore(db, new SqliteWebhookWrites(new WebhookSignal())));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_postgres_database_keeps_its_queued_event_across_the_upgrade()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var options = Options.Create(new StorageOptions { PostgresConnectionString = database.ConnectionString });
        await using (var old = new PostgresDatabase(options, [Version1]))
        {
            await using var connection = await old.OpenAsync(CancellationToken.None);
            await using var insert = new NpgsqlCommand(Version1Rows(b => $"'\\x{Convert.ToHexString(b)}'::bytea"), connection);
            await insert.ExecuteNonQueryAsync();
        }

        await using var db = new PostgresDatabase(options, [WebhooksSchema.Schema]);
        await QueuedEventsSurviveAsync(new PostgresWebhookStore(db, new PostgresWebhookWrites(new WebhookSignal())));
    }

    private static async Task QueuedEventsSurviveAsync(IWebhookStore store)
    {
        (await store.EnqueueAsync(Subject, SubjectEvent.Expired, 1, T0, CancellationToken.None)).ShouldBeTrue();
        var due = await store.ClaimDueAsync(T0.AddMinutes(1), T0.AddMinutes(2), 10, CancellationToken.None);
        due.Count.ShouldBe(2);
        due.Single(d => d.MessageId == "msg_old").Body.ShouldBe(OldBody);
        Encoding.UTF8.GetString(due.Single(d => d.MessageId != "msg_old").Body).ShouldContain("\"type\":\"secret.expired\"");
    }
}
