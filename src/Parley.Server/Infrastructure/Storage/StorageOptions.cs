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

    /// <summary>
    /// Folder of the SQLite file and the stream files; a relative path is relative to the working
    /// directory. Default: <c>parley</c> in the user's data folder (<c>$XDG_DATA_HOME</c>, else
    /// <c>~/.local/share</c>; <c>%LOCALAPPDATA%</c> on Windows), so neither the working directory
    /// nor the content root decides where data lands (<c>dotnet run</c> starts in the project folder).
    /// </summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory();

    /// <summary>SQLite file name inside <see cref="DataDirectory"/>.</summary>
    [Required]
    public string SqliteFileName { get; set; } = "parley.db";

    /// <summary>Npgsql connection string; required when <see cref="Provider"/> is Postgres.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>
    /// Whether an answered SQLite write survives a power cut (<see cref="SqliteSynchronous.Full"/>, the
    /// default) or only a process crash (<see cref="SqliteSynchronous.Normal"/>, faster).
    /// </summary>
    public SqliteSynchronous SqliteSynchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>Most SQLite reader connections open at once (writes go through one connection).</summary>
    [Range(1, 256)]
    public int SqliteReaders { get; set; } = 16;

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);

    /// <summary><c>parley</c> in the user's data folder, or empty when the user has none (no home folder).</summary>
    public static string DefaultDataDirectory()
    {
        var userData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return userData.Length == 0 ? string.Empty : Path.Combine(userData, "parley");
    }
}
