using Parley.Server.Features.Messaging;

namespace Parley.Fuzz;

/// <summary>
/// The relay socket's invocation frames (MessagePack, <c>RelayFrames</c>): <c>RelayHub.Call.Parse</c>
/// answers every frame with a call or a refusal that goes back to the client, and never throws.
/// </summary>
internal static class RelayFrameTarget
{
    public static FuzzTarget Create() =>
        new("relay-frame", "RelayHub.Call.Parse", input => RelayHub.Call.Parse(input.ToArray()));
}
