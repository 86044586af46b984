using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Requests.Storage;

/// <summary>
/// The requests feature's table. Times are Unix milliseconds; <c>*_verifier</c> columns hold SHA-256
/// values; <c>ephemeral_key</c> is the responder's public key E; <c>label</c> is the requester's
/// plaintext description, dropped when the request ends. No foreign key to <c>secrets</c>: an
/// answer's secret may be swept on its own (an abandoned upload), which frees the request.
/// </summary>
internal static class RequestsSchema
{
    public static readonly FeatureSchema Schema = new("requests",
        Sqlite:
        [
            """
            CREATE TABLE secret_requests (
              id BLOB NOT NULL PRIMARY KEY,
              token_verifier BLOB NOT NULL,
              send_verifier BLOB NOT NULL,
              label TEXT,
              created_at INTEGER NOT NULL,
              expires_at INTEGER NOT NULL,
              answer_secret_id BLOB,
              ephemeral_key BLOB,
              answered_at INTEGER,
              destroyed_at INTEGER);
            CREATE INDEX secret_requests_expires_at ON secret_requests (expires_at);
            """,
        ],
        Postgres:
        [
            """
            CREATE TABLE secret_requests (
              id bytea PRIMARY KEY,
              token_verifier bytea NOT NULL,
              send_verifier bytea NOT NULL,
              label text,
              created_at bigint NOT NULL,
              expires_at bigint NOT NULL,
              answer_secret_id bytea,
              ephemeral_key bytea,
              answered_at bigint,
              destroyed_at bigint);
            CREATE INDEX secret_requests_expires_at ON secret_requests (expires_at);
            """,
        ]);
}
