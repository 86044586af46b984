namespace Parley.Server.Features.Messaging;

/// <summary>
/// The primitives of one group transaction. The group row is locked by <see cref="LockGroupAsync"/>
/// (changes of one group run one after another); everything commits together or not at all.
/// </summary>
internal interface IGroupTransaction
{
    ValueTask<StoredGroup?> LockGroupAsync(byte[] groupId);

    ValueTask<bool> AccountExistsAsync(string username);

    ValueTask CreateGroupAsync(byte[] groupId, string name, DateTimeOffset now);

    /// <summary>Adds the user with this role, or gives an existing row this role; either way its time becomes <paramref name="now"/>.</summary>
    ValueTask AddMemberAsync(byte[] groupId, string username, GroupRole role, DateTimeOffset now);

    /// <summary>Removes a member or an invitee.</summary>
    ValueTask RemoveMemberAsync(byte[] groupId, string username);

    ValueTask SetAdminAsync(byte[] groupId, string username, bool admin);

    ValueTask DeleteGroupAsync(byte[] groupId);

    /// <summary>Queues an envelope; <paramref name="maxQueued"/> null ignores the cap (server events).</summary>
    ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int? maxQueued);
}
