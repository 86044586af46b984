using System.Text;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Secrets.Storage;
using Parley.Server.Features.Webhooks;
using Parley.Server.Features.Webhooks.Storage;
using Microsoft.Extensions.DependencyInjection;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// A database of an earlier webhooks schema upgrades in place, with the events it had queued: from version 1 (the
/// outbox kept bodies) and from version 2 (it kept events, keyed by their message id). Each queued event is still
/// delivered under its own <c>webhook-id</c> (with the body it was queued with, or built from the event), new events
/// queue after it, and the outbox's keys remove exactly the events named. On SQLite, version 4 moves a secret's target
/// onto the secret's row (the secrets feature's third script) and gives every queued event its target's columns.
/// </summary>
public sealed class WebhookSchemaUpgradeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly SecretId Subject = SecretId.New();
    private static readonly byte[] OldBody = Encoding.UTF8.GetBytes("{\"type\":\"secret.opened\",\"queued\":\"before the upgrade\"}");

    /// <summary>The target the old rows' events go to, in either provider's SQL (<paramref name="blob"/> writes a blob literal).</summary>
    private static string TargetRow(Func<byte[], string> blob) => $"""
        INSERT INTO webhook_targets (subject_id, kind, report_id, url, signing_key, expires_at)
          VALUES ({blob(Subject.ToByteArray())}, 1, {blob(Subject.ToByteArray())}, 'https://receiver.example/hook', {blob(new byte[32])},
                  {T0.AddHours(1).ToUnixTimeMilliseconds()});
        """;

    /// <summary>A version 1 target and an event queued for it with its body.</summary>
    private static string Version1Rows(Func<byte[], string> blob) => TargetRow(blob) + $"""
        INSERT INTO webhook_outbox (id, subject_id, body, created_at, next_attempt_at)
          VALUES ('msg_old', {blob(Subject.ToByteArray())}, {blob(OldBody)}, {T0.ToUnixTimeMilliseconds()}, {T0.ToUnixTimeMilliseconds()});
        """;

    /// <summary>A version 2 target, an event queued as an event (the last view's opening) and one queued with its body (from version 1).</summary>
    private static string Version2Rows(Func<byte[], string> blob) => TargetRow(blob) + $"""
        INSERT INTO webhook_outbox (id, subject_id, event, views_left, created_at, next_attempt_at, attempts)
          VALUES ('msg_event', {blob(Subject.ToByteArray())}, {(int)SubjectEvent.Opened}, 0, {T0.ToUnixTimeMilliseconds()},
                  {T0.ToUnixTimeMilliseconds()}, 2);
        INSERT INTO webhook_outbox (id, subject_id, body, created_at, next_attempt_at)
          VALUES ('msg_old', {blob(Subject.ToByteArray())}, {blob(OldBody)}, {T0.ToUnixTimeMilliseconds()}, {T0.ToUnixTimeMilliseconds()});
        """;

    /// <summary>The secret the target belongs to, as the secrets feature's second SQLite script left its table.</summary>
    private static string SecretRow => $"""
        INSERT INTO secrets (id, manage_hash, access_verifier, manifest, manifest_bytes, created_at, expires_at, max_views, views_left,
            max_pp_attempts, bundle_id)
          VALUES ({SqliteBlob(Subject.ToByteArray())}, X'00', X'00', X'01', 1, {T0.ToUnixTimeMilliseconds()}, {T0.AddHours(1).ToUnixTimeMilliseconds()},
                  1, 1, 3, {SqliteBlob(Subject.ToByteArray())});
        """;

    private static readonly SecretId Answer = SecretId.New();
    private static readonly SecretId Request = SecretId.New();

    /// <summary>A request's answer with the request's target (kind 3, its expiry already handled), as version 3 kept it.</summary>
    private static string AnswerRows => $"""
        INSERT INTO secrets (id, manage_hash, access_verifier, manifest, manifest_bytes, created_at, expires_at, max_views, views_left,
            max_pp_attempts, bundle_id)
          VALUES ({SqliteBlob(Answer.ToByteArray())}, X'00', X'00', X'01', 1, {T0.ToUnixTimeMilliseconds()}, {T0.AddHours(1).ToUnixTimeMilliseconds()},
                  1, 1, 3, {SqliteBlob(Answer.ToByteArray())});
        INSERT INTO webhook_targets (subject_id, kind, report_id, url, signing_key, expires_at, expiry_handled)
          VALUES ({SqliteBlob(Answer.ToByteArray())}, 3, {SqliteBlob(Request.ToByteArray())}, 'https://receiver.example/answers',
                  {SqliteBlob(new byte[32])}, {T0.AddHours(1).ToUnixTimeMilliseconds()}, 1);
        """;

    /// <summary>Secrets at their second version and webhooks at <paramref name="version"/>, as a server applies them.</summary>
    private static FeatureSchema[] SqliteSchemasAt(int version) =>
        [SchemaUpgrades.VersionOf(SecretsSchema.Schema, 2), SchemaUpgrades.VersionOf(WebhooksSchema.Schema, version)];

    private static readonly FeatureSchema[] CurrentSchemas = [SecretsSchema.Schema, WebhooksSchema.Schema];

    private static string SqliteBlob(byte[] b) => $"X'{Convert.ToHexString(b)}'";

    private static string PostgresBlob(byte[] b) => $"'\\x{Convert.ToHexString(b)}'::bytea";

    [Fact]
    public Task A_version_1_sqlite_database_keeps_its_queued_event_across_the_upgrade() =>
        SchemaUpgrades.OnSqliteAsync(SqliteSchemasAt(1), CurrentSchemas, SecretRow + Version1Rows(SqliteBlob),
            db => QueuedEventsSurviveAsync(SqliteStore(db), "msg_old"));

    [Fact]
    public Task A_version_1_postgres_database_keeps_its_queued_event_across_the_upgrade() =>
        SchemaUpgrades.OnPostgresAsync(SchemaUpgrades.VersionOf(WebhooksSchema.Schema, 1), WebhooksSchema.Schema, Version1Rows(PostgresBlob),
            db => QueuedEventsSurviveAsync(PostgresStore(db), "msg_old"));

    [Fact]
    public Task A_version_2_sqlite_database_keeps_its_queued_events_across_the_upgrade() =>
        SchemaUpgrades.OnSqliteAsync(SqliteSchemasAt(2), CurrentSchemas, SecretRow + Version2Rows(SqliteBlob),
            db => QueuedEventsSurviveAsync(SqliteStore(db), "msg_event", "msg_old"));

    [Fact]
    public Task A_version_3_sqlite_database_moves_the_secrets_targets_onto_their_rows_and_keeps_its_queued_events() =>
        SchemaUpgrades.OnSqliteAsync(SqliteSchemasAt(3), CurrentSchemas, SecretRow + AnswerRows + Version2Rows(SqliteBlob), async db =>
        {
            var store = SqliteStore(db);
            var target = await store.FindTargetAsync(Subject, CancellationToken.None);
            target.ShouldNotBeNull();
            target.Url.ShouldBe("https://receiver.example/hook");
            target.Kind.ShouldBe(WebhookSubject.Secret);
            target.ReportId.ShouldBe(Subject);
            var answer = (await store.FindTargetAsync(Answer, CancellationToken.None)).ShouldNotBeNull();
            (answer.Kind, answer.ReportId, answer.Url).ShouldBe((WebhookSubject.RequestAnswer, Request, "https://receiver.example/answers"));
            db.Write(0, static (s, _) => (long)s.Statement("SELECT count(*) FROM webhook_targets").ExecuteScalar()!).ShouldBe(0);
            // The answer's expiry was handled before the upgrade: only the secret's is still to report.
            (await store.DueExpiriesAsync(T0.AddHours(2), 10, CancellationToken.None)).Select(t => t.SubjectId).ShouldBe([Subject]);
            await QueuedEventsSurviveAsync(store, "msg_event", "msg_old");
        });

    [Fact]
    public Task An_event_whose_target_was_gone_before_the_sqlite_upgrade_is_dropped_by_it() =>
        SchemaUpgrades.OnSqliteAsync(SqliteSchemasAt(3), CurrentSchemas, Version2Rows(SqliteBlob).Replace(TargetRow(SqliteBlob), ""), async db =>
            (await SqliteStore(db).PendingCountAsync(CancellationToken.None)).ShouldBe(0));

    [Fact]
    public Task A_version_2_postgres_database_keeps_its_queued_events_across_the_upgrade() =>
        SchemaUpgrades.OnPostgresAsync(SchemaUpgrades.VersionOf(WebhooksSchema.Schema, 2), WebhooksSchema.Schema, Version2Rows(PostgresBlob),
            db => QueuedEventsSurviveAsync(PostgresStore(db), "msg_event", "msg_old"));

    [Fact]
    public async Task The_server_applies_the_secrets_schema_before_the_webhooks_one_whose_fourth_script_reaches_into_it()
    {
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions { Provider = "sqlite" });
        var features = server.Services.GetServices<FeatureSchema>().Select(f => f.Feature).ToList();
        features.IndexOf("secrets").ShouldBeGreaterThanOrEqualTo(0);
        features.IndexOf("secrets").ShouldBeLessThan(features.IndexOf("webhooks"));
    }

    private static SqliteWebhookStore SqliteStore(SqliteDatabase db) => new(db, new SqliteWebhookWrites(new WebhookSignal()));

    private static PostgresWebhookStore PostgresStore(PostgresDatabase db) => new(db, new PostgresWebhookWrites(new WebhookSignal()));

    private static async Task QueuedEventsSurviveAsync(IWebhookStore store, params string[] oldIds)
    {
        (await store.EnqueueAsync(Subject, SubjectEvent.Expired, 1, T0, CancellationToken.None)).ShouldBeTrue();
        var due = await store.ClaimDueAsync(T0.AddMinutes(1), T0.AddMinutes(2), 10, CancellationToken.None);
        due.Count.ShouldBe(oldIds.Length + 1);
        due.Select(d => d.Sequence).Distinct().Count().ShouldBe(due.Count);
        var old = due.Where(d => oldIds.Contains(d.MessageId)).ToList();
        old.Select(d => d.MessageId).Order().ShouldBe(oldIds.Order());
        old.Single(d => d.MessageId == "msg_old").Body.ShouldBe(OldBody);
        if (old.SingleOrDefault(d => d.MessageId == "msg_event") is { } queuedAsEvent)
        {
            Encoding.UTF8.GetString(queuedAsEvent.Body).ShouldContain("\"type\":\"secret.opened\"");
            queuedAsEvent.Attempts.ShouldBe(2);
        }

        var added = due.Single(d => !oldIds.Contains(d.MessageId));
        Encoding.UTF8.GetString(added.Body).ShouldContain("\"type\":\"secret.expired\"");
        added.Sequence.ShouldBeGreaterThan(old.Max(d => d.Sequence));

        await store.RemoveAsync([.. old.Select(d => d.Sequence)], CancellationToken.None);
        (await store.PendingCountAsync(CancellationToken.None)).ShouldBe(1);
    }
}
