namespace Parley.Server.Features.Messaging;

/// <summary>What this node knows of a connection's token or account being revoked (<see cref="RelayConnections.RevocationOf"/>).</summary>
internal enum Revocation
{
    None,
    Revoked,
    Unknown,
}
