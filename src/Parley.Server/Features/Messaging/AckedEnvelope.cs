namespace Parley.Server.Features.Messaging;

internal readonly record struct AckedEnvelope(long Id, string Sender);
