namespace Parley.Server.Features.Messaging;

/// <summary>A refused call: its message is the problem text ("urn:parley:problem:slug: detail") the client gets.</summary>
internal sealed class RelayCallException(string problem) : Exception(problem);
