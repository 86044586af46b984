namespace Parley.Server.Features.Messaging;

/// <summary>What the keep-alive timer does to one socket at one tick.</summary>
internal enum KeepAliveAction
{
    None,
    Ping,
    Drop,
}
