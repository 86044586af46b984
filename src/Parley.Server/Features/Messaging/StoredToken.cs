namespace Parley.Server.Features.Messaging;

internal sealed record TokenRecord(string Username, DateTimeOffset ExpiresAt);
