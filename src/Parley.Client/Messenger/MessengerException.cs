namespace Parley.Client.Messenger;

/// <summary>Why a messenger operation was refused. Each leaves the profile as it was (or as documented).</summary>
public enum MessengerFailure
{
    /// <summary>A local argument is not valid (username, group, text).</summary>
    InvalidArgument,

    /// <summary>The profile has no registered account.</summary>
    NotRegistered,

    /// <summary>No such user on the server.</summary>
    UnknownUser,

    /// <summary>No such group, or this profile is not (or no longer) a member.</summary>
    UnknownGroup,

    /// <summary>A contact's identity key changed and the user has not accepted the new one.</summary>
    IdentityChanged,

    /// <summary>The action needs a group admin.</summary>
    NotAdmin,

    /// <summary>The server refused (rate limit, full queue, registration closed, username taken, ...).</summary>
    Refused,

    /// <summary>Logging in failed: the server does not accept this profile's key for its username.</summary>
    LoginFailed,

    /// <summary>No such attachment waiting to be saved, or its file is no longer on the server (fetched by all, deleted, expired).</summary>
    NoSuchAttachment,
}

/// <summary>A messenger operation was refused; the message is one line for people and names no secret.</summary>
public sealed class MessengerException(MessengerFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public MessengerFailure Failure { get; } = failure;

    /// <summary>The user concerned, for <see cref="MessengerFailure.IdentityChanged"/>.</summary>
    public string? User { get; init; }

    public static MessengerException IdentityChanged(string user) =>
        new(MessengerFailure.IdentityChanged,
            $"{user}'s safety number has changed: sending is blocked until you accept the new key. Compare it with 'parley verify {user}', then run 'parley contacts trust {user}'")
        { User = user };
}
