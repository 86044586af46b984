namespace Parley.Server.Features.Messaging;

internal sealed record StoredEnvelope(long Id, string Recipient, string Sender, int Type, byte[]? GroupId, DateTimeOffset ServerTimestamp, byte[] Content);
