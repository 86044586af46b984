using System.Globalization;
using System.Security.Claims;

namespace Parley.Server.Features.Messaging;

internal static class MessagingUser
{
    /// <summary>The authenticated account's canonical username.</summary>
    public static string Name(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("not authenticated");

    public static byte[] TokenHash(this ClaimsPrincipal user) => Convert.FromHexString(user.TokenHashHex());

    public static string TokenHashHex(this ClaimsPrincipal user) => Token(user, 0);

    /// <summary>When the token was found valid (<see cref="TimeProvider.GetTimestamp"/> of this node).</summary>
    public static long TokenCheckedAt(this ClaimsPrincipal user) => long.Parse(Token(user, 1), CultureInfo.InvariantCulture);

    /// <summary>When the token expires (Unix ms of the server's clock).</summary>
    public static long TokenExpiresAt(this ClaimsPrincipal user) => long.Parse(Token(user, 2), CultureInfo.InvariantCulture);

    private static string Token(ClaimsPrincipal user, int part) =>
        (user.FindFirstValue(MessagingAuthenticationHandler.TokenClaim) ?? throw new InvalidOperationException("not authenticated")).Split('/')[part];
}
