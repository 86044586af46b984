using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Blobs.Storage;

/// <summary>
/// The blob store's tables. Times are Unix milliseconds; <c>owner</c> is the uploader's username (for the
/// quota and early deletion); <c>token_hash</c> is SHA-256 of a fetch token. No recipient is named.
/// SQLite keeps the bytes as files (<c>{data}/blobs</c>), PostgreSQL as chunk rows.
/// </summary>
internal static class BlobsSchema
{
    public static readonly FeatureSchema Schema = new("blobs",
        Sqlite:
        [
            """
            CREATE TABLE blobs (
              id BLOB NOT NULL PRIMARY KEY,
              owner TEXT NOT NULL,
              size INTEGER NOT NULL,
              uploaded INTEGER NOT NULL DEFAULT 0,
              created_at INTEGER NOT NULL,
              expires_at INTEGER NOT NULL);
            CREATE INDEX blobs_expires_at ON blobs (expires_at);
            CREATE INDEX blobs_owner ON blobs (owner, expires_at);
            CREATE INDEX blobs_uploading ON blobs (created_at) WHERE uploaded = 0;
            CREATE TABLE blob_fetches (
              blob_id BLOB NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
              token_hash BLOB NOT NULL,
              PRIMARY KEY (blob_id, token_hash)) WITHOUT ROWID;
            """,
        ],
        Postgres:
        [
            """
            CREATE TABLE blobs (
              id bytea PRIMARY KEY,
              owner text NOT NULL,
              size bigint NOT NULL,
              uploaded boolean NOT NULL DEFAULT false,
              created_at bigint NOT NULL,
              expires_at bigint NOT NULL);
            CREATE INDEX blobs_expires_at ON blobs (expires_at);
            CREATE INDEX blobs_owner ON blobs (owner, expires_at);
            CREATE INDEX blobs_uploading ON blobs (created_at) WHERE NOT uploaded;
            CREATE TABLE blob_fetches (
              blob_id bytea NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
              token_hash bytea NOT NULL,
              PRIMARY KEY (blob_id, token_hash));
            CREATE TABLE blob_chunks (
              blob_id bytea NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
              start_offset bigint NOT NULL,
              data bytea NOT NULL,
              PRIMARY KEY (blob_id, start_offset));
            -- sealed bytes do not compress: skip the attempt
            ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
            """,
        ]);
}
