namespace Parley.Server.Features.Messaging;

/// <summary>Groups, their members and invitations. Every change runs in one transaction of the provider (<see cref="IGroupTransaction"/>).</summary>
internal interface IGroupStore
{
    ValueTask<T> InGroupTransactionAsync<T>(Func<IGroupTransaction, ValueTask<T>> work, CancellationToken cancellationToken);

    /// <summary>The groups <paramref name="username"/> is a member of or invited to, oldest first.</summary>
    ValueTask<IReadOnlyList<StoredGroup>> GroupsOfAsync(string username, CancellationToken cancellationToken);
}
