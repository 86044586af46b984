using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Webhooks.Storage;

/// <summary>
/// The webhooks feature's tables: where each subject's events go (<c>webhook_targets</c>, one row per
/// secret or request that asked for a webhook) and the outbox of events not yet delivered. Times are
/// Unix milliseconds; <c>kind</c> is <see cref="WebhookSubject"/>.
/// </summary>
internal static class WebhooksSchema
{
    public static readonly FeatureSchema Schema = new("webhooks",
        Sqlite:
        [
            """
            CREATE TABLE webhook_targets (
              subject_id BLOB NOT NULL PRIMARY KEY,
              kind INTEGER NOT NULL,
              report_id BLOB NOT NULL,
              url TEXT NOT NULL,
              signing_key BLOB NOT NULL,
              expires_at INTEGER NOT NULL,
              expiry_handled INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
            CREATE INDEX webhook_targets_expiry ON webhook_targets (expires_at) WHERE expiry_handled = 0;
            CREATE INDEX webhook_targets_expires_at ON webhook_targets (expires_at);
            CREATE TABLE webhook_outbox (
              id TEXT NOT NULL PRIMARY KEY,
              subject_id BLOB NOT NULL,
              body BLOB NOT NULL,
              created_at INTEGER NOT NULL,
              next_attempt_at INTEGER NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);
            CREATE INDEX webhook_outbox_subject ON webhook_outbox (subject_id);
            """,
        ],
        Postgres:
        [
            """
            CREATE TABLE webhook_targets (
              subject_id bytea PRIMARY KEY,
              kind integer NOT NULL,
              report_id bytea NOT NULL,
              url text NOT NULL,
              signing_key bytea NOT NULL,
              expires_at bigint NOT NULL,
              expiry_handled boolean NOT NULL DEFAULT false);
            CREATE INDEX webhook_targets_expiry ON webhook_targets (expires_at) WHERE NOT expiry_handled;
            CREATE INDEX webhook_targets_expires_at ON webhook_targets (expires_at);
            CREATE TABLE webhook_outbox (
              id text PRIMARY KEY,
              subject_id bytea NOT NULL,
              body bytea NOT NULL,
              created_at bigint NOT NULL,
              next_attempt_at bigint NOT NULL,
              attempts integer NOT NULL DEFAULT 0);
            CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);
            CREATE INDEX webhook_outbox_subject ON webhook_outbox (subject_id);
            """,
        ]);
}
