namespace Parley.Client.Profiles;

/// <summary>Why a profile could not be used. Every kind leaves the profile exactly as it was.</summary>
public enum ProfileFailure
{
    /// <summary>No profile of that name (or it holds no account yet).</summary>
    NotFound,

    /// <summary>A profile of that name already exists.</summary>
    AlreadyExists,

    /// <summary>The passphrase does not unlock the profile's data key.</summary>
    WrongPassphrase,

    /// <summary>Another process holds the profile open.</summary>
    InUse,

    /// <summary>A file of the profile is damaged or was changed by someone without the key.</summary>
    Damaged,

    /// <summary>The profile was written by a newer Parley.</summary>
    UnsupportedVersion,

    /// <summary>The profile name is not a valid name.</summary>
    InvalidName,
}

/// <summary>A profile could not be created, opened or used; <see cref="Failure"/> says why. The message names no secret.</summary>
public sealed class ProfileException(ProfileFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public ProfileFailure Failure { get; } = failure;

    internal static ProfileException Damaged(string what, Exception? inner = null) =>
        new(ProfileFailure.Damaged, $"the profile is damaged or was tampered with ({what}); nothing was read from the damaged part", inner);
}
