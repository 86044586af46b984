namespace Parley.Server.Features.Messaging;

/// <summary>
/// Finds the bearer token of a request and checks it against the store: <c>Authorization: Bearer</c>, or
/// <c>access_token</c> in the query of the relay socket's upgrade (browsers cannot set headers there).
/// Shared by the authentication handler of the REST routes and the relay socket, which checks its
/// caller itself (it runs before the authentication middleware, docs/benchmarks.md).
/// </summary>
internal sealed class BearerTokenCheck(IAccountStore store, TimeProvider time)
{
    private const string Scheme = "Bearer ";

    /// <summary>
    /// The token the request presents, or null when it presents none. Only the relay socket's upgrade
    /// (<paramref name="allowQuery"/>) may carry it in the query: anywhere else a token in a URL would end
    /// up in logs and browser history.
    /// </summary>
    public static string? Presented(HttpRequest request, bool allowQuery)
    {
        var header = request.Headers.Authorization;
        if (header.Count == 1 && header[0] is { } value && value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return value[Scheme.Length..];
        }

        if (allowQuery && header.Count == 0 && request.Query["access_token"] is { Count: 1 } query)
        {
            return query[0];
        }

        return null;
    }

    /// <summary>The token's owner and times, or the reason it is refused (a few words, never the token).</summary>
    public async Task<(CheckedToken? Token, string? Refusal)> CheckAsync(string token, CancellationToken cancellationToken)
    {
        if (MessagingTokens.HashOf(token) is not { } hash)
        {
            return (null, "malformed token");
        }

        var checkedAt = time.GetTimestamp();
        var record = await store.FindTokenAsync(hash, time.GetUtcNow(), cancellationToken);
        return record is null
            ? (null, "unknown or expired token")
            : (new CheckedToken(record.Username, hash, checkedAt, record.ExpiresAt.ToUnixTimeMilliseconds()), null);
    }
}
