namespace Parley.Server.Features.Messaging;

internal sealed record StoredToken(string Username, DateTimeOffset ExpiresAt);
