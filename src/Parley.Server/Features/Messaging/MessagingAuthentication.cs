using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Parley.Contracts.Messaging;
using Parley.Server.Infrastructure.Http;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Bearer tokens from login: <c>Authorization: Bearer</c> on every route, or <c>access_token</c> in the
/// query of the hub's WebSocket request (browsers cannot set headers there). The server keeps only
/// SHA-256 of each token; a request is authenticated while the token exists and has not expired.
/// Only messaging routes ask for it (it is no default scheme: the secret routes' bearer tokens are
/// theirs), and only a token that was presented and refused is logged, once, by this handler: the
/// base class's own lines (every refusal and every challenge at Information) would be noise.
/// </summary>
internal sealed class MessagingAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILogger<MessagingAuthenticationHandler> logger,
    UrlEncoder encoder,
    IAccountStore store,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, NullLoggerFactory.Instance, encoder)
{
    public const string SchemeName = "ParleyBearer";
    /// <summary>
    /// One claim for the token (every relay socket keeps its principal): "HEX-SHA256/checked/expires", where
    /// checked is the <see cref="TimeProvider.GetTimestamp"/> of the check and expires the token's end (Unix ms).
    /// </summary>
    public const string TokenClaim = "parley:token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = null;
        var header = Request.Headers.Authorization;
        if (header.Count == 1 && header[0] is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = value["Bearer ".Length..];
        }
        else if (header.Count == 0 && Request.Path.StartsWithSegments(MessagingValues.HubPath, StringComparison.Ordinal)
            && Request.Query["access_token"] is { Count: 1 } query)
        {
            token = query[0];
        }

        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        var hash = MessagingTokens.HashOf(token);
        if (hash is null)
        {
            MessagingLog.BearerRefused(logger, "malformed token");
            return AuthenticateResult.Fail("malformed token");
        }

        // Taken before the lookup: a revocation the lookup did not see is recorded after this instant.
        var checkedAt = time.GetTimestamp();
        var record = await store.FindTokenAsync(hash, time.GetUtcNow(), Context.RequestAborted);
        if (record is null)
        {
            MessagingLog.BearerRefused(logger, "unknown or expired token");
            return AuthenticateResult.Fail("unknown or expired token");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, record.Username),
                new Claim(TokenClaim, string.Create(CultureInfo.InvariantCulture,
                    $"{Convert.ToHexString(hash)}/{checkedAt}/{record.ExpiresAt.ToUnixTimeMilliseconds()}")),
            ], SchemeName);
        // No ticket properties: the relay closes sockets whose token expired itself (at the next sweep, from the claim).
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Problems.Unauthorized().ExecuteAsync(Context);
}
