using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Parley.Server.Infrastructure.Http;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Bearer tokens from login on the REST routes (<see cref="BearerTokenCheck"/>; the relay socket checks its
/// own). The server keeps only SHA-256 of each token; a request is authenticated while the token exists
/// and has not expired.
/// Only messaging routes ask for it (it is no default scheme: the secret routes' bearer tokens are
/// theirs), and only a token that was presented and refused is logged, once, by this handler: the
/// base class's own lines (every refusal and every challenge at Information) would be noise.
/// </summary>
internal sealed class MessagingAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILogger<MessagingAuthenticationHandler> logger,
    UrlEncoder encoder,
    BearerTokenCheck tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, NullLoggerFactory.Instance, encoder)
{
    public const string SchemeName = "ParleyBearer";
    /// <summary>The claim holding the token's SHA-256 in hex (logout revokes the token it came with).</summary>
    public const string TokenClaim = "parley:token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerTokenCheck.Presented(Request, allowQuery: false) is not { } presented)
        {
            return AuthenticateResult.NoResult();
        }

        var (token, refusal) = await tokens.CheckAsync(presented, Context.RequestAborted);
        if (token is null)
        {
            MessagingLog.BearerRefused(logger, refusal!);
            return AuthenticateResult.Fail(refusal!);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, token.Username),
                new Claim(TokenClaim, Convert.ToHexString(token.Hash)),
            ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Problems.Unauthorized().ExecuteAsync(Context);
}
