using Parley.Contracts.Messaging;

namespace Parley.Client.Messaging;

// TEMPORARY until the server branch lands (deleted at merge).
internal static class PendingServerApi
{
    public static Task AllowPresenceAsync(this MessagingApi api, string username, CancellationToken ct) => Task.CompletedTask;

    public static Task DisallowPresenceAsync(this MessagingApi api, string username, CancellationToken ct) => Task.CompletedTask;

    public static Task<GroupResponse> AcceptGroupInvitationAsync(this MessagingApi api, string groupId, CancellationToken ct) => api.GetGroupAsync(groupId, ct);

    public static Task<IReadOnlyList<long>> QueryQueuedAsync(this MessagingApi api, IReadOnlyList<long> ids, CancellationToken ct) => Task.FromResult<IReadOnlyList<long>>(ids);
}
