namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// When a SQLite commit reaches the disk (config <c>Parley:Storage:SqliteSynchronous</c>, SQLite's
/// <c>PRAGMA synchronous</c> in WAL mode). Either way a commit is in the WAL before the server answers,
/// so a killed process loses nothing and the file never corrupts; they differ on a power cut.
/// </summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// Default: every commit (one group commit of waiting writes) fsyncs the WAL before its callers
    /// are answered, so an answered write survives a power cut.
    /// </summary>
    Full,

    /// <summary>
    /// Faster: the WAL is fsynced only at checkpoints, so a power cut (or kernel crash) may lose the
    /// commits of the last moments — a secret whose link was already shown, an envelope already acked.
    /// </summary>
    Normal,
}
