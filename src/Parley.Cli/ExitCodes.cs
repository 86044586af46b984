namespace Parley.Cli;

/// <summary>The exit codes of <c>parley</c>; README.md and <c>--help</c> list them.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Error = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int AlreadyOpened = 4;
    public const int WrongPassphrase = 5;
    public const int Expired = 6;
    public const int Destroyed = 7;
    public const int Burned = 8;
    public const int DamagedLink = 9;
    public const int Network = 10;
    public const int Tampered = 11;
    public const int Refused = 12;
    public const int NotAnswered = 13;
    public const int NoProfile = 14;
    public const int ProfileInUse = 15;
    public const int WrongProfilePassphrase = 16;
    public const int ProfileDamaged = 17;
    public const int IdentityChanged = 18;
    public const int SafetyNumberMismatch = 19;
    public const int LoginRefused = 20;
    public const int Interrupted = 130;

    public static readonly (int Code, string Meaning)[] Table =
    [
        (Ok, "success"),
        (Error, "unexpected error (server error, unreadable file, disk full, ...)"),
        (Usage, "bad usage: an invalid argument or option; nothing was sent"),
        (NotFound, "no such secret or request (or it is gone and the link's key was not proven); messaging: no such user, group or attachment (or its file is no longer on the server)"),
        (AlreadyOpened, "already used: the secret was opened (every view is used), or the request already has its answer"),
        (WrongPassphrase, "wrong passphrase (the attempt was counted)"),
        (Expired, "the secret or request expired"),
        (Destroyed, "the secret was destroyed by its creator, or the request withdrawn by its requester"),
        (Burned, "too many wrong passphrases: the secret is gone"),
        (DamagedLink, "damaged link: malformed, cut short, or its key/token does not match"),
        (Network, "network error: the server could not be reached or the transfer failed"),
        (Tampered, "the content failed authentication (modified or truncated), or a received file its SHA-256; nothing was saved; webhook verify: the signature does not match or is too old"),
        (Refused, "the server refused: rate limited, creation closed, too large, not ready; messaging: username taken, not a group admin, ..."),
        (NotAnswered, "the request has no answer yet (try again later)"),
        (NoProfile, "messaging: no such profile, or it holds no registered account (parley register)"),
        (ProfileInUse, "messaging: the profile is in use by another parley process"),
        (WrongProfilePassphrase, "messaging: wrong profile passphrase (nothing was changed)"),
        (ProfileDamaged, "messaging: the profile is damaged or was tampered with (nothing was read from the damaged part)"),
        (IdentityChanged, "messaging: a contact's safety number changed; sending is blocked until 'parley contacts trust <user>'"),
        (SafetyNumberMismatch, "messaging: the safety numbers differ (verify --compare)"),
        (LoginRefused, "messaging: the server refused this profile's login (account deleted or replaced)"),
        (Interrupted, "interrupted (Ctrl-C)"),
    ];
}

/// <summary>A failure that ends the command with a one-line message and an exit code.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}
