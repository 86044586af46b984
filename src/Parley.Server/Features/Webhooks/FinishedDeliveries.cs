namespace Parley.Server.Features.Webhooks;

/// <summary>
/// The outbox rows a delivery round is done with (delivered or given up), removed in one store write per
/// <paramref name="removeAt"/> rows and one for the rest at the end of the round, rather than one write each: on
/// SQLite every write is a job of the one writer that the secrets' own writes wait for. A finished row waits here
/// while still leased; if the node stops before it is removed, it is sent again (at least once, as always).
/// </summary>
internal sealed class FinishedDeliveries(IWebhookStore store, int removeAt)
{
    private readonly Lock _gate = new();
    private List<long> _waiting = [];

    public async Task AddAsync(long sequence)
    {
        List<long>? full = null;
        lock (_gate)
        {
            _waiting.Add(sequence);
            if (_waiting.Count >= removeAt)
            {
                (full, _waiting) = (_waiting, []);
            }
        }

        if (full is not null)
        {
            await store.RemoveAsync(full, CancellationToken.None);
        }
    }

    /// <summary>Removes what is still waiting: the round has ended.</summary>
    public async Task RemoveRestAsync()
    {
        List<long> rest;
        lock (_gate)
        {
            (rest, _waiting) = (_waiting, []);
        }

        if (rest.Count > 0)
        {
            await store.RemoveAsync(rest, CancellationToken.None);
        }
    }
}
