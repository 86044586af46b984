using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Secrets.Storage;

/// <summary>
/// The secrets feature's tables. Times are Unix milliseconds. Content columns (<c>manifest</c>, stream
/// chunks) hold sealed bytes only; <c>*_hash</c>/<c>*_verifier</c> columns hold SHA-256 values.
/// </summary>
internal static class SecretsSchema
{
    public static readonly FeatureSchema Schema = new("secrets",
        Sqlite:
        [
            """
            CREATE TABLE secrets (
              id BLOB NOT NULL PRIMARY KEY,
              manage_hash BLOB NOT NULL,
              access_verifier BLOB NOT NULL,
              pp_salt BLOB, pp_iterations INTEGER, pp_verifier BLOB,
              manifest BLOB,
              manifest_bytes INTEGER NOT NULL,
              stream_bytes INTEGER,
              stream_received INTEGER NOT NULL DEFAULT 0,
              stream_stored INTEGER NOT NULL DEFAULT 0,
              created_at INTEGER NOT NULL,
              expires_at INTEGER NOT NULL,
              max_views INTEGER NOT NULL,
              views_left INTEGER NOT NULL,
              opened_at TEXT NOT NULL DEFAULT '',
              failed_attempts INTEGER NOT NULL DEFAULT 0,
              pp_failures INTEGER NOT NULL DEFAULT 0,
              max_pp_attempts INTEGER NOT NULL,
              destroyed_at INTEGER,
              burned_at INTEGER);
            CREATE INDEX secrets_expires_at ON secrets (expires_at);
            CREATE INDEX secrets_live_content ON secrets (expires_at) WHERE manifest IS NOT NULL;
            CREATE INDEX secrets_stored_streams ON secrets (id) WHERE stream_stored = 1;
            CREATE INDEX secrets_uploading ON secrets (created_at)
              WHERE stream_bytes IS NOT NULL AND stream_received < stream_bytes AND destroyed_at IS NULL;
            CREATE TABLE secret_downloads (
              token_hash BLOB NOT NULL PRIMARY KEY,
              secret_id BLOB NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
              expires_at INTEGER NOT NULL) WITHOUT ROWID;
            CREATE INDEX secret_downloads_secret ON secret_downloads (secret_id);
            CREATE INDEX secret_downloads_expires_at ON secret_downloads (expires_at);
            """,
            // Several recipients: every link is a row of its own; the links of one secret share
            // bundle_id (the first link's id; a secret with one recipient is its own bundle) and its
            // file stream, stored under the bundle id.
            """
            ALTER TABLE secrets ADD COLUMN bundle_id BLOB;
            ALTER TABLE secrets ADD COLUMN bundle_position INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE secrets ADD COLUMN label TEXT;
            ALTER TABLE secrets ADD COLUMN wrapped_key BLOB;
            UPDATE secrets SET bundle_id = id;
            CREATE INDEX secrets_bundle ON secrets (bundle_id);
            """,
            // A secret's webhook target on its own row (the webhooks feature's columns; see WebhooksSchema's fourth
            // script, which moves the targets stored before): a separate row keyed by the secret's random id cost
            // each create one more B-tree page in its commit. webhook_kind is WebhookSubject (NULL: no webhook);
            // webhook_report_id is the id the events name when it is not the secret's own (a request's answer).
            // The partial index serves the expiries still to report and the purge of targets (their columns set to
            // NULL two days after the secret expired), as webhook_targets_expiry does for the table.
            """
            ALTER TABLE secrets ADD COLUMN webhook_kind INTEGER;
            ALTER TABLE secrets ADD COLUMN webhook_report_id BLOB;
            ALTER TABLE secrets ADD COLUMN webhook_url TEXT;
            ALTER TABLE secrets ADD COLUMN webhook_key BLOB;
            ALTER TABLE secrets ADD COLUMN webhook_expiry_handled INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX secrets_webhook_expiry ON secrets (webhook_expiry_handled, expires_at) WHERE webhook_kind IS NOT NULL;
            """,
        ],
        Postgres:
        [
            """
            CREATE TABLE secrets (
              id bytea PRIMARY KEY,
              manage_hash bytea NOT NULL,
              access_verifier bytea NOT NULL,
              pp_salt bytea, pp_iterations integer, pp_verifier bytea,
              manifest bytea,
              manifest_bytes integer NOT NULL,
              stream_bytes bigint,
              stream_received bigint NOT NULL DEFAULT 0,
              stream_stored boolean NOT NULL DEFAULT false,
              created_at bigint NOT NULL,
              expires_at bigint NOT NULL,
              max_views integer NOT NULL,
              views_left integer NOT NULL,
              opened_at bigint[] NOT NULL DEFAULT '{}',
              failed_attempts integer NOT NULL DEFAULT 0,
              pp_failures integer NOT NULL DEFAULT 0,
              max_pp_attempts integer NOT NULL,
              destroyed_at bigint,
              burned_at bigint);
            -- sealed bytes do not compress: skip the attempt
            ALTER TABLE secrets ALTER COLUMN manifest SET STORAGE EXTERNAL;
            CREATE INDEX secrets_expires_at ON secrets (expires_at);
            CREATE INDEX secrets_live_content ON secrets (expires_at) WHERE manifest IS NOT NULL;
            CREATE INDEX secrets_stored_streams ON secrets (id) WHERE stream_stored;
            CREATE INDEX secrets_uploading ON secrets (created_at)
              WHERE stream_bytes IS NOT NULL AND stream_received < stream_bytes AND destroyed_at IS NULL;
            CREATE TABLE secret_downloads (
              token_hash bytea PRIMARY KEY,
              secret_id bytea NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
              expires_at bigint NOT NULL);
            CREATE INDEX secret_downloads_secret ON secret_downloads (secret_id);
            CREATE INDEX secret_downloads_expires_at ON secret_downloads (expires_at);
            CREATE TABLE secret_stream_chunks (
              secret_id bytea NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
              start_offset bigint NOT NULL,
              data bytea NOT NULL,
              PRIMARY KEY (secret_id, start_offset));
            ALTER TABLE secret_stream_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
            """,
            // Several recipients (see the SQLite script). Stream chunks are keyed by the bundle id,
            // which is the first link's row.
            """
            ALTER TABLE secrets ADD COLUMN bundle_id bytea;
            ALTER TABLE secrets ADD COLUMN bundle_position integer NOT NULL DEFAULT 0;
            ALTER TABLE secrets ADD COLUMN label text;
            ALTER TABLE secrets ADD COLUMN wrapped_key bytea;
            UPDATE secrets SET bundle_id = id;
            ALTER TABLE secrets ALTER COLUMN bundle_id SET NOT NULL;
            CREATE INDEX secrets_bundle ON secrets (bundle_id);
            CREATE INDEX secrets_shared_streams ON secrets (id) WHERE wrapped_key IS NOT NULL AND id = bundle_id AND NOT stream_stored;
            """,
        ]);
}
