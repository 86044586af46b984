namespace Parley.Server.Features.Health;

/// <summary>Whether this node should take traffic: not draining, and every <see cref="IReadinessCheck"/> answers.</summary>
internal sealed class NodeReadiness(NodeDrain drain, IEnumerable<IReadinessCheck> checks)
{
    public const string Draining = "draining";

    public bool IsDraining => drain.Draining;

    /// <summary>Null when ready; otherwise why not: <see cref="Draining"/> or the name of the check that failed.</summary>
    public async ValueTask<string?> WhyNotReadyAsync(CancellationToken cancellationToken)
    {
        if (drain.Draining)
        {
            return Draining;
        }

        foreach (var check in checks)
        {
            if (!await check.IsReadyAsync(cancellationToken))
            {
                return check.Name;
            }
        }

        return null;
    }
}
