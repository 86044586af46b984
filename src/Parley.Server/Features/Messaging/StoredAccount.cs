namespace Parley.Server.Features.Messaging;

internal sealed record StoredAccount(string Username, byte[] IdentityKey, uint RegistrationId, DateTimeOffset CreatedAt);
