namespace Parley.Server.Features.Messaging;

internal sealed record NewEnvelope(string Recipient, string Sender, int Type, byte[]? GroupId, DateTimeOffset Now, DateTimeOffset ExpiresAt, byte[] Content);
