namespace Parley.Server.Features.Messaging;

/// <summary>A bearer token found valid (<see cref="BearerTokenCheck"/>).</summary>
/// <param name="Username">The account it belongs to, canonical.</param>
/// <param name="Hash">SHA-256 of the token: all the server keeps of it.</param>
/// <param name="CheckedAt">The <see cref="TimeProvider.GetTimestamp"/> taken before the lookup: a revocation the lookup did not see is recorded after it.</param>
/// <param name="ExpiresAt">The token's end, Unix ms of the server's clock.</param>
internal sealed record CheckedToken(string Username, byte[] Hash, long CheckedAt, long ExpiresAt);
