using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Parley.Contracts.Webhooks;

namespace Parley.Server.Features.Webhooks;

/// <summary>
/// Checks a creator's webhook URL and pairs it with a fresh signing key. The store keeps the pair with the
/// secret or request it is for, in the same transaction as its create.
/// </summary>
internal sealed class WebhookEndpoints(IOptions<WebhookOptions> options)
{
    /// <summary>Why <paramref name="url"/> cannot be a webhook, or null when it can.</summary>
    public string? Problem(string url)
    {
        WebhookUrl.Parse(url, options.Value.AllowPrivateTargets, out var problem);
        return problem;
    }

    /// <summary>The endpoint for <paramref name="url"/> (checked with <see cref="Problem"/>) with a fresh signing key.</summary>
    public static WebhookEndpoint New(string url) => new(url, RandomNumberGenerator.GetBytes(WebhookSignature.KeyBytes));

    /// <summary>The endpoint's key as <c>whsec_…</c>, for the creator's eyes only.</summary>
    public static string KeyText(WebhookEndpoint endpoint) => WebhookSignature.FormatKey(endpoint.SigningKey);
}
