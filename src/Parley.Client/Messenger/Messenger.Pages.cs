using Parley.Client.Profiles;

namespace Parley.Client.Messenger;

public sealed partial class Messenger
{
    /// <summary>
    /// The last <paramref name="limit"/> lines of <paramref name="conversation"/> (a conversation id)
    /// stored before row <paramref name="beforeRow"/>, oldest first. Unlike <see cref="History"/> it
    /// marks nothing read: the chat screen pages through history with it and marks read what it shows
    /// (<see cref="MarkReadAsync"/>).
    /// </summary>
    public Task<IReadOnlyList<StoredMessage>> PageAsync(string conversation, int limit, long beforeRow = long.MaxValue, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > 10_000)
        {
            throw new MessengerException(MessengerFailure.InvalidArgument, "a page is 1 to 10000 messages");
        }

        return ExclusiveAsync(() => Task.FromResult(_profile.ReadHistory(conversation, limit, beforeRow)), cancellationToken);
    }
}
