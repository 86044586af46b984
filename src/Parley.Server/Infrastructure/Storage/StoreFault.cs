using Microsoft.Data.Sqlite;
using Npgsql;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>What kind of store failure an exception is, when it is one a client should hear about as 503.</summary>
internal enum StoreFaultKind
{
    /// <summary>The disk (or PostgreSQL's) is full: nothing was written; it works again once space is freed.</summary>
    Full,

    /// <summary>The store cannot be reached (PostgreSQL down, restarting or refusing connections): try again later.</summary>
    Unavailable,
}

/// <summary>
/// Tells store failures that are the environment's (a full disk, a database that went away) from bugs,
/// so that they become a clear 503 for the client and one line for the operator instead of a 500
/// with a stack trace.
/// </summary>
internal static class StoreFault
{
    private const int SqliteFull = 13; // SQLITE_FULL
    private const int NoSpaceLeft = 28; // ENOSPC: .NET's IOException carries the errno as its HResult on Unix
    private const int QuotaExceeded = 122; // EDQUOT
    private const int WindowsDiskFull = unchecked((int)0x80070070); // ERROR_DISK_FULL
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027); // ERROR_HANDLE_DISK_FULL

    /// <summary>The kind of <paramref name="exception"/> (or of an exception inside it), or null when it is none of these.</summary>
    public static StoreFaultKind? Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var kind = e switch
            {
                SqliteException s when s.SqliteErrorCode == SqliteFull => StoreFaultKind.Full,
                IOException io when io.HResult is NoSpaceLeft or QuotaExceeded or WindowsDiskFull or WindowsHandleDiskFull => StoreFaultKind.Full,
                PostgresException p => ClassifyPostgres(p.SqlState),
                NpgsqlException => StoreFaultKind.Unavailable, // no server answer at all: refused, reset, timed out
                _ => (StoreFaultKind?)null,
            };
            if (kind is not null)
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>
    /// The fault in a few words for the log: codes only, never a message (an I/O error's message names
    /// the file, and stream files are named after secret ids).
    /// </summary>
    public static string Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException s:
                    return $"SQLite error {s.SqliteErrorCode}";
                case IOException io when io.HResult is NoSpaceLeft or QuotaExceeded or WindowsDiskFull or WindowsHandleDiskFull:
                    return $"I/O error {io.HResult}";
                case PostgresException p:
                    return $"PostgreSQL SQLSTATE {p.SqlState}";
                case System.Net.Sockets.SocketException socket:
                    return $"socket error {socket.SocketErrorCode}";
            }
        }

        return exception.GetType().Name;
    }

    /// <summary>
    /// 53100 disk_full (and the rest of class 53, insufficient resources); 08 connection exceptions;
    /// 57P01–57P03 the server shutting down or starting. Every other SQL state is a bug or a conflict.
    /// </summary>
    private static StoreFaultKind? ClassifyPostgres(string sqlState) => sqlState switch
    {
        "53100" => StoreFaultKind.Full,
        _ when sqlState.StartsWith("53", StringComparison.Ordinal) => StoreFaultKind.Unavailable,
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => StoreFaultKind.Unavailable,
        "57P01" or "57P02" or "57P03" => StoreFaultKind.Unavailable,
        _ => null,
    };
}
