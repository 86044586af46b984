using System.Text;
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

    private static readonly FeatureSchema Version1 = SchemaUpgrades.FirstVersionOf(WebhooksSchema.Schema);

    /// <summary>A version 1 target and an event queued for it, in either provider's SQL (<paramref name="blob"/> writes a blob literal).</summary>
    private static string Version1Rows(Func<byte[], string> blob) => $"""
        INSERT INTO webhook_targets (subject_id, kind, report_id, url, signing_key, expires_at)
          VALUES ({blob(Subject.ToByteArray())}, 1, {blob(Subject.ToByteArray())}, 'https://receiver.example/hook', {blob(new byte[32])},
                  {T0.AddHours(1).ToUnixTimeMilliseconds()});
        INSERT INTO webhook_outbox (id, subject_id, body, created_at, next_attempt_at)
          VALUES ('msg_old', {blob(Subject.ToByteArray())}, {blob(OldBody)}, {T0.ToUnixTimeMilliseconds()}, {T0.ToUnixTimeMilliseconds()});
        """;

    [Fact]
    public Task A_sqlite_database_keeps_its_queued_event_across_the_upgrade() =>
        SchemaUpgrades.OnSqliteAsync(Version1, WebhooksSchema.Schema, Version1Rows(b => $"X'{Convert.ToHexString(b)}'"),
            db => QueuedEventsSurviveAsync(new SqliteWebhookStore(db, new SqliteWebhookWrites(new WebhookSignal()))));

    [Fact]
    public Task A_postgres_database_keeps_its_queued_event_across_the_upgrade() =>
        SchemaUpgrades.OnPostgresAsync(Version1, WebhooksSchema.Schema, Version1Rows(b => $"'\\x{Convert.ToHexString(b)}'::bytea"),
            db => QueuedEventsSurviveAsync(new PostgresWebhookStore(db, new PostgresWebhookWrites(new WebhookSignal()))));

    private static async Task QueuedEventsSurviveAsync(IWebhookStore store)
    {
        (await store.EnqueueAsync(Subject, SubjectEvent.Expired, 1, T0, CancellationToken.None)).ShouldBeTrue();
        var due = await store.ClaimDueAsync(T0.AddMinutes(1), T0.AddMinutes(2), 10, CancellationToken.None);
        due.Count.ShouldBe(2);
        due.Single(d => d.MessageId == "msg_old").Body.ShouldBe(OldBody);
        Encoding.UTF8.GetString(due.Single(d => d.MessageId != "msg_old").Body).ShouldContain("\"type\":\"secret.expired\"");
    }
}
