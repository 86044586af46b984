using System.Security.Claims;

namespace Parley.Server.Features.Messaging;

/// <summary>What the REST routes read from the principal of <see cref="MessagingAuthenticationHandler"/>.</summary>
internal static class MessagingUser
{
    /// <summary>The authenticated account's canonical username.</summary>
    public static string Name(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("not authenticated");

    /// <summary>SHA-256 of the token the request came with.</summary>
    public static byte[] TokenHash(this ClaimsPrincipal user) =>
        Convert.FromHexString(user.FindFirstValue(MessagingAuthenticationHandler.TokenClaim) ?? throw new InvalidOperationException("not authenticated"));
}
