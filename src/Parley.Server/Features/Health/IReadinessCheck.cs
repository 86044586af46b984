namespace Parley.Server.Features.Health;

/// <summary>A dependency a node needs before it takes traffic (the store, Redis when configured), asked by <c>/readyz</c>.</summary>
public interface IReadinessCheck
{
    /// <summary>What is checked, as <c>/readyz</c> names it when it is not ready (e.g. <c>store</c>, <c>redis</c>).</summary>
    string Name { get; }

    /// <summary>True when the dependency answers; never throws for an unreachable one.</summary>
    ValueTask<bool> IsReadyAsync(CancellationToken cancellationToken);
}
