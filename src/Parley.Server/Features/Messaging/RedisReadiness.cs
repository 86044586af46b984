using Parley.Server.Features.Health;

namespace Parley.Server.Features.Messaging;

/// <summary>For <c>/readyz</c>: with several nodes, Redis carries envelopes, receipts and revocations between them.</summary>
internal sealed class RedisReadiness(RelayWakeBus bus) : IReadinessCheck
{
    public string Name => "redis";

    public ValueTask<bool> IsReadyAsync(CancellationToken cancellationToken) => ValueTask.FromResult(bus.RedisConnected ?? true);
}
