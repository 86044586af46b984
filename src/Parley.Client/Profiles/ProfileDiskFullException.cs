namespace Parley.Client.Profiles;

/// <summary>
/// The disk holding the profile is full: the change was refused whole (SQLite rolled it back), so the
/// profile is as it was and the caller can try again once there is room. An <see cref="IOException"/>,
/// so callers that report I/O failures report it too.
/// </summary>
public sealed class ProfileDiskFullException(Exception inner)
    : IOException("the disk is full: the profile could not be written (nothing was changed)", inner);
