namespace Parley.Server.Features.Messaging;

/// <summary>
/// What a group call came to. A send that is <see cref="GroupStatus.Done"/> has queued <see cref="Ids"/>[i]
/// for <see cref="Names"/>[i] at <see cref="At"/>; otherwise <see cref="Names"/> are the users at fault.
/// </summary>
internal sealed record GroupOutcome(GroupStatus Status, StoredGroup? Group = null, IReadOnlyList<string>? Names = null,
    IReadOnlyList<long>? Ids = null, DateTimeOffset At = default);
