namespace Parley.Server.Features.Messaging;

internal sealed record AccountRecord(string Username, byte[] IdentityKey, uint RegistrationId, DateTimeOffset CreatedAt);
