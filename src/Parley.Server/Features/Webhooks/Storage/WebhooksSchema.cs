using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Webhooks.Storage;

/// <summary>
/// The webhooks feature's tables: where each subject's events go (<c>webhook_targets</c>, one row per
/// secret or request that asked for a webhook) and the outbox of events not yet delivered. Times are
/// Unix milliseconds; <c>kind</c> is <see cref="WebhookSubject"/>, an outbox row's <c>event</c> is
/// <see cref="SubjectEvent"/>. An outbox row is keyed by <c>seq</c>, increasing and never reused (the delivery
/// worker's handle on it); <c>id</c> is the <c>webhook-id</c> the receiver sees.
/// </summary>
internal static class WebhooksSchema
{
    /// <summary>The columns of <c>webhook_targets</c> a target is written and read with, in <see cref="WebhookTarget"/>'s order.</summary>
    public const string TargetColumns = "subject_id, kind, report_id, url, signing_key, expires_at";

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
            // Events are queued inside the transaction of the change they report, where the target's report id
            // is not at hand: a row keeps the event (what, views left; created_at is when) and its body is built
            // when it is sent. A row queued before this version keeps the body it was queued with.
            """
            CREATE TABLE webhook_outbox_v2 (
              id TEXT NOT NULL PRIMARY KEY,
              subject_id BLOB NOT NULL,
              event INTEGER,
              views_left INTEGER,
              body BLOB,
              created_at INTEGER NOT NULL,
              next_attempt_at INTEGER NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0,
              CHECK ((event IS NULL) <> (body IS NULL)));
            INSERT INTO webhook_outbox_v2 (id, subject_id, body, created_at, next_attempt_at, attempts)
              SELECT id, subject_id, body, created_at, next_attempt_at, attempts FROM webhook_outbox;
            DROP TABLE webhook_outbox;
            ALTER TABLE webhook_outbox_v2 RENAME TO webhook_outbox;
            CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);
            CREATE INDEX webhook_outbox_subject ON webhook_outbox (subject_id);
            """,
            // What a webhook adds to a write should be appends, not B-tree work on random keys: an outbox row is
            // keyed by an increasing sequence (AUTOINCREMENT: never reused, so a late remove or retry of an event
            // whose lease ran out cannot touch a newer one); its webhook-id stays a stored column, unindexed. No
            // index on the subject (only the purge, every few minutes, asks, and scans). One expiry index on the
            // targets serves both the expiry events and the purge. Rows queued before keep their ids.
            """
            CREATE TABLE webhook_outbox_v3 (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              id TEXT NOT NULL,
              subject_id BLOB NOT NULL,
              event INTEGER,
              views_left INTEGER,
              body BLOB,
              created_at INTEGER NOT NULL,
              next_attempt_at INTEGER NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0,
              CHECK ((event IS NULL) <> (body IS NULL)));
            INSERT INTO webhook_outbox_v3 (id, subject_id, event, views_left, body, created_at, next_attempt_at, attempts)
              SELECT id, subject_id, event, views_left, body, created_at, next_attempt_at, attempts FROM webhook_outbox
              ORDER BY created_at, id;
            DROP TABLE webhook_outbox;
            ALTER TABLE webhook_outbox_v3 RENAME TO webhook_outbox;
            CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);
            DROP INDEX webhook_targets_expiry;
            DROP INDEX webhook_targets_expires_at;
            CREATE INDEX webhook_targets_expiry ON webhook_targets (expiry_handled, expires_at);
            """,
            // A secret's target lives on the secret's row (SecretsSchema's third script, which runs first: the secrets
            // feature's schema is applied before this one), so webhook_targets keeps requests' targets only (kinds 1 and
            // 3 are WebhookSubject.Secret and RequestAnswer). An outbox row carries its target (kind, report id, URL,
            // key), copied from the row the change has just updated, so the delivery worker looks nothing up. The two
            // events of a change that also burned the secret are one row: then_burned = 1 when a secret.burned (webhook-id:
            // the row's id and "_b") follows the row's event, 2 when only that burn is still to send. Rows queued before get their target's columns; rows
            // whose target is gone could never be sent (they were skipped at every claim) and go.
            """
            ALTER TABLE webhook_outbox ADD COLUMN kind INTEGER;
            ALTER TABLE webhook_outbox ADD COLUMN report_id BLOB;
            ALTER TABLE webhook_outbox ADD COLUMN url TEXT;
            ALTER TABLE webhook_outbox ADD COLUMN signing_key BLOB;
            ALTER TABLE webhook_outbox ADD COLUMN then_burned INTEGER NOT NULL DEFAULT 0;
            UPDATE webhook_outbox SET kind = t.kind, report_id = t.report_id, url = t.url, signing_key = t.signing_key
              FROM webhook_targets t WHERE t.subject_id = webhook_outbox.subject_id;
            DELETE FROM webhook_outbox WHERE url IS NULL;
            UPDATE secrets SET webhook_kind = t.kind, webhook_report_id = CASE WHEN t.report_id <> t.subject_id THEN t.report_id END,
              webhook_url = t.url, webhook_key = t.signing_key, webhook_expiry_handled = t.expiry_handled
              FROM webhook_targets t WHERE t.subject_id = secrets.id AND t.kind IN (1, 3);
            DELETE FROM webhook_targets WHERE kind IN (1, 3);
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
            // See the SQLite script.
            """
            ALTER TABLE webhook_outbox ADD COLUMN event integer, ADD COLUMN views_left integer, ALTER COLUMN body DROP NOT NULL,
              ADD CONSTRAINT webhook_outbox_event_or_body CHECK ((event IS NULL) <> (body IS NULL));
            """,
            // See the SQLite script. The identity column numbers the rows already queued.
            """
            ALTER TABLE webhook_outbox DROP CONSTRAINT webhook_outbox_pkey;
            ALTER TABLE webhook_outbox ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
            DROP INDEX webhook_outbox_subject;
            DROP INDEX webhook_targets_expiry;
            DROP INDEX webhook_targets_expires_at;
            CREATE INDEX webhook_targets_expiry ON webhook_targets (expiry_handled, expires_at);
            """,
        ]);
}
