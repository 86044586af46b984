using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging.Storage;

/// <summary>
/// The messaging tables. Times are Unix milliseconds. Keys are public keys; tokens, nonces and invite
/// codes are SHA-256 hashes; envelope content is the clients' opaque ciphertext. Prekey kinds:
/// 0 one-time EC, 1 one-time Kyber, 2 signed EC, 3 Kyber last resort. <c>queued</c> counts the
/// account's envelopes so the queue cap is one indexed check.
/// Version 2: group invitations (<c>invited</c> rows of <c>msg_group_members</c> are invitees, not members)
/// and presence by consent. <c>msg_presence</c> says whether <c>subject</c> lets <c>viewer</c> see it online.
/// The old <c>msg_contacts</c> pairs are dropped, not carried over: they do not say who sent to whom, so
/// they cannot tell who consented; a pair's next envelope records it again, the right way round.
/// </summary>
internal static class MessagingSchema
{
    public const int KindPreKey = 0;
    public const int KindKyber = 1;
    public const int KindSigned = 2;
    public const int KindLastResort = 3;

    /// <summary>
    /// Deletes an account's login challenges beyond the newest <see cref="MessagingStoreLimits.PendingChallenges"/>,
    /// never the one just stored (@h): parameters @h (its nonce hash) and @u (the account).
    /// </summary>
    public const string TrimChallenges = """
        DELETE FROM msg_challenges WHERE username = @u AND nonce_hash <> @h AND nonce_hash NOT IN (
          SELECT nonce_hash FROM msg_challenges WHERE username = @u AND nonce_hash <> @h ORDER BY expires_at DESC LIMIT 7)
        """;

    /// <summary><see cref="TrimChallenges"/> with SQLite's parameter prefix.</summary>
    public const string TrimChallengesSqlite = """
        DELETE FROM msg_challenges WHERE username = $u AND nonce_hash <> $h AND nonce_hash NOT IN (
          SELECT nonce_hash FROM msg_challenges WHERE username = $u AND nonce_hash <> $h ORDER BY expires_at DESC LIMIT 7)
        """;

    public static readonly FeatureSchema Schema = new("messaging",
        Sqlite:
        [
            """
            CREATE TABLE msg_accounts (
              username TEXT NOT NULL PRIMARY KEY,
              identity_key BLOB NOT NULL,
              registration_id INTEGER NOT NULL,
              created_at INTEGER NOT NULL,
              queued INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
            CREATE TABLE msg_prekeys (
              username TEXT NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              kind INTEGER NOT NULL,
              key_id INTEGER NOT NULL,
              public_key BLOB NOT NULL,
              signature BLOB,
              UNIQUE (username, kind, key_id));
            CREATE INDEX msg_prekeys_order ON msg_prekeys (username, kind);
            CREATE TABLE msg_challenges (
              nonce_hash BLOB NOT NULL PRIMARY KEY,
              username TEXT NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              expires_at INTEGER NOT NULL) WITHOUT ROWID;
            CREATE INDEX msg_challenges_user ON msg_challenges (username);
            CREATE INDEX msg_challenges_expiry ON msg_challenges (expires_at);
            CREATE TABLE msg_tokens (
              token_hash BLOB NOT NULL PRIMARY KEY,
              username TEXT NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              expires_at INTEGER NOT NULL) WITHOUT ROWID;
            CREATE INDEX msg_tokens_user ON msg_tokens (username);
            CREATE INDEX msg_tokens_expiry ON msg_tokens (expires_at);
            CREATE TABLE msg_invites_used (code_hash BLOB NOT NULL PRIMARY KEY, used_at INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE msg_envelopes (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              recipient TEXT NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              sender TEXT NOT NULL,
              type INTEGER NOT NULL,
              group_id BLOB,
              server_ts INTEGER NOT NULL,
              expires_at INTEGER NOT NULL,
              content BLOB NOT NULL);
            CREATE INDEX msg_envelopes_queue ON msg_envelopes (recipient, id);
            CREATE INDEX msg_envelopes_expiry ON msg_envelopes (expires_at);
            CREATE TABLE msg_contacts (
              a TEXT NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              b TEXT NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              PRIMARY KEY (a, b)) WITHOUT ROWID;
            CREATE INDEX msg_contacts_b ON msg_contacts (b);
            CREATE TABLE msg_groups (id BLOB NOT NULL PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE msg_group_members (
              group_id BLOB NOT NULL REFERENCES msg_groups (id) ON DELETE CASCADE,
              username TEXT NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              admin INTEGER NOT NULL,
              joined_at INTEGER NOT NULL,
              PRIMARY KEY (group_id, username)) WITHOUT ROWID;
            CREATE INDEX msg_group_members_user ON msg_group_members (username);
            """,
            """
            ALTER TABLE msg_group_members ADD COLUMN invited INTEGER NOT NULL DEFAULT 0;
            DROP TABLE msg_contacts;
            CREATE TABLE msg_presence (
              subject TEXT NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              viewer TEXT NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              allowed INTEGER NOT NULL,
              PRIMARY KEY (subject, viewer)) WITHOUT ROWID;
            CREATE INDEX msg_presence_viewer ON msg_presence (viewer);
            """,
        ],
        Postgres:
        [
            """
            CREATE TABLE msg_accounts (
              username text PRIMARY KEY,
              identity_key bytea NOT NULL,
              registration_id bigint NOT NULL,
              created_at bigint NOT NULL,
              queued integer NOT NULL DEFAULT 0);
            CREATE TABLE msg_prekeys (
              seq bigserial PRIMARY KEY,
              username text NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              kind smallint NOT NULL,
              key_id bigint NOT NULL,
              public_key bytea NOT NULL,
              signature bytea,
              UNIQUE (username, kind, key_id));
            CREATE INDEX msg_prekeys_order ON msg_prekeys (username, kind, seq);
            CREATE TABLE msg_challenges (
              nonce_hash bytea PRIMARY KEY,
              username text NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              expires_at bigint NOT NULL);
            CREATE INDEX msg_challenges_user ON msg_challenges (username);
            CREATE INDEX msg_challenges_expiry ON msg_challenges (expires_at);
            CREATE TABLE msg_tokens (
              token_hash bytea PRIMARY KEY,
              username text NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              expires_at bigint NOT NULL);
            CREATE INDEX msg_tokens_user ON msg_tokens (username);
            CREATE INDEX msg_tokens_expiry ON msg_tokens (expires_at);
            CREATE TABLE msg_invites_used (code_hash bytea PRIMARY KEY, used_at bigint NOT NULL);
            CREATE TABLE msg_envelopes (
              id bigserial PRIMARY KEY,
              recipient text NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              sender text NOT NULL,
              type integer NOT NULL,
              group_id bytea,
              server_ts bigint NOT NULL,
              expires_at bigint NOT NULL,
              content bytea NOT NULL);
            -- ciphertext does not compress: skip the attempt
            ALTER TABLE msg_envelopes ALTER COLUMN content SET STORAGE EXTERNAL;
            CREATE INDEX msg_envelopes_queue ON msg_envelopes (recipient, id);
            CREATE INDEX msg_envelopes_expiry ON msg_envelopes (expires_at);
            CREATE TABLE msg_contacts (
              a text NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              b text NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              PRIMARY KEY (a, b));
            CREATE INDEX msg_contacts_b ON msg_contacts (b);
            CREATE TABLE msg_groups (id bytea PRIMARY KEY, name text NOT NULL, created_at bigint NOT NULL);
            CREATE TABLE msg_group_members (
              group_id bytea NOT NULL REFERENCES msg_groups (id) ON DELETE CASCADE,
              username text NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              admin boolean NOT NULL,
              joined_at bigint NOT NULL,
              PRIMARY KEY (group_id, username));
            CREATE INDEX msg_group_members_user ON msg_group_members (username);
            """,
            """
            ALTER TABLE msg_group_members ADD COLUMN invited boolean NOT NULL DEFAULT false;
            DROP TABLE msg_contacts;
            CREATE TABLE msg_presence (
              subject text NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              viewer text NOT NULL REFERENCES msg_accounts (username) ON DELETE CASCADE,
              allowed boolean NOT NULL,
              PRIMARY KEY (subject, viewer));
            CREATE INDEX msg_presence_viewer ON msg_presence (viewer);
            """,
        ]);
}
