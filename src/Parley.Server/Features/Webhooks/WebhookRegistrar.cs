using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Parley.Contracts.Webhooks;
using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Webhooks;

/// <summary>Checks a creator's webhook URL and stores it with a fresh signing key.</summary>
internal sealed class WebhookRegistrar(IWebhookStore store, IOptions<WebhookOptions> options)
{
    /// <summary>Why <paramref name="url"/> cannot be a webhook, or null when it can.</summary>
    public string? Problem(string url)
    {
        WebhookUrl.Parse(url, options.Value.AllowPrivateTargets, out var problem);
        return problem;
    }

    /// <summary>Stores the target (the URL was checked with <see cref="Problem"/>) and returns its key as <c>whsec_…</c>, for the creator's eyes only.</summary>
    public async Task<string> RegisterAsync(SecretId subject, WebhookSubject kind, SecretId reportId, string url, DateTimeOffset expiresAt,
        CancellationToken cancellationToken)
    {
        var key = RandomNumberGenerator.GetBytes(WebhookSignature.KeyBytes);
        await store.AddTargetAsync(new WebhookTarget(subject, kind, reportId, url, key, expiresAt), cancellationToken);
        return WebhookSignature.FormatKey(key);
    }

    /// <summary>
    /// One target per link of a secret for several recipients, all with the same URL and signing key:
    /// each delivery names the link it is about (its id), so the creator can tell recipients apart.
    /// </summary>
    public async Task<string> RegisterAsync(IReadOnlyList<SecretId> links, WebhookSubject kind, string url, DateTimeOffset expiresAt,
        CancellationToken cancellationToken)
    {
        var key = RandomNumberGenerator.GetBytes(WebhookSignature.KeyBytes);
        foreach (var link in links)
        {
            await store.AddTargetAsync(new WebhookTarget(link, kind, link, url, key, expiresAt), cancellationToken);
        }

        return WebhookSignature.FormatKey(key);
    }
}
