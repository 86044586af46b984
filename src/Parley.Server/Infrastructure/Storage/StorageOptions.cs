using System.ComponentModel.DataAnnotations;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>Which store every feature uses (config section <c>Parley:Storage</c>).</summary>
public enum StorageProvider
{
    /// <summary>Embedded default: one SQLite file (WAL) plus stream files under the data directory.</summary>
    Sqlite,

    /// <summary>PostgreSQL through Npgsql; several nodes can share it (streams live in the database).</summary>
    Postgres,

    /// <summary>RAM only: nothing touches disk, streams included; everything is lost on exit.</summary>
    Memory,
}

/// <summary>Operator options of the storage layer, shared by every feature's store.</summary>
public sealed class StorageOptions
{
    public const string Section = "Parley:Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Folder of the SQLite file and the stream files (relative to the working directory).</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>SQLite file name inside <see cref="DataDirectory"/>.</summary>
    [Required]
    public string SqliteFileName { get; set; } = "parley.db";

    /// <summary>Npgsql connection string; required when <see cref="Provider"/> is Postgres.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>Most SQLite reader connections open at once (writes go through one connection).</summary>
    [Range(1, 256)]
    public int SqliteReaders { get; set; } = 16;

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);
}
