using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Health;

/// <summary>The store answers a ping (every feature's data lives in it).</summary>
internal sealed class StoreReadiness(ISecretStore store) : IReadinessCheck
{
    public string Name => "store";

    public async ValueTask<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await store.PingAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false;
        }
    }
}
