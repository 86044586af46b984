using System.Security.Cryptography;
using System.Text.Json;
using Parley.Server.Features.Requests;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Webhooks;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// Secrets and requests, with or without a webhook, on one provider's stores, and the events their changes
/// left in the outbox: the steps the webhook store-level suites share.
/// </summary>
internal sealed class WebhookSubjects(ProviderStores provider)
{
    public static readonly DateTimeOffset T0 = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Expiry = T0.AddHours(1);
    public static readonly WebhookEndpoint Endpoint = new("https://receiver.example/hook", RandomNumberGenerator.GetBytes(32));
    private static readonly DownloadGrant Grant = new(RandomNumberGenerator.GetBytes(32), T0.AddDays(1));

    private static CancellationToken None => CancellationToken.None;

    /// <summary>A stored secret and what opens it.</summary>
    public sealed record Secret(SecretId Id, byte[] Access, byte[]? Passphrase);

    public static byte[] Wrong() => RandomNumberGenerator.GetBytes(32);

    public static SecretToStore NewSecret(bool webhook = true, int maxViews = 1, bool passphrase = false, int maxPassphraseAttempts = 3) =>
        new(SecretId.New(), RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32),
            passphrase ? new PassphraseRecord(RandomNumberGenerator.GetBytes(16), 600_000, RandomNumberGenerator.GetBytes(32)) : null,
            RandomNumberGenerator.GetBytes(40), null, T0, Expiry, maxViews, maxPassphraseAttempts, Webhook: webhook ? Endpoint : null);

    public async Task<Secret> CreateSecretAsync(bool webhook = true, int maxViews = 1, bool passphrase = false, int maxPassphraseAttempts = 3)
    {
        var secret = NewSecret(webhook, maxViews, passphrase, maxPassphraseAttempts);
        await provider.Secrets.CreateAsync(secret, None);
        return new Secret(secret.Id, secret.AccessVerifier, secret.Passphrase?.Verifier);
    }

    public static NewRequest NewRequest(bool webhook = true) =>
        new(SecretId.New(), RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), "label", T0, Expiry,
            webhook ? Endpoint : null);

    public async Task<SecretId> CreateRequestAsync(bool webhook = true)
    {
        var request = NewRequest(webhook);
        await provider.Requests.CreateAsync(request, None);
        return request.Id;
    }

    public Task<ClaimOutcome> ClaimAsync(Secret s, DateTimeOffset? at = null, byte[]? access = null, byte[]? passphrase = null) =>
        provider.Secrets.TryClaimAsync(s.Id, access ?? s.Access, passphrase ?? s.Passphrase, at ?? T0, Grant, None).AsTask();

    /// <summary>Answers the request as the API does: the answer's secret (no webhook of its own) first, then the compare-and-set.</summary>
    public async Task<(AnswerRefusal? Refusal, Secret Answer)> AnswerAsync(SecretId request, SecretId? expected = null)
    {
        var answer = await CreateSecretAsync(webhook: false);
        var refusal = await provider.Requests.TryAnswerAsync(request, expected, new RequestAnswer(answer.Id, RandomNumberGenerator.GetBytes(32), T0),
            T0, None);
        return (refusal, answer);
    }

    /// <summary>
    /// Takes every queued event out of the outbox and returns those reported under <paramref name="reportIds"/> as
    /// <c>type</c> or <c>type:viewsLeft</c>, after checking that each goes to <see cref="Endpoint"/>.
    /// </summary>
    public async Task<List<string>> TakeEventsAsync(params SecretId[] reportIds)
    {
        var ids = reportIds.Select(id => id.ToString()).ToHashSet();
        var taken = new List<string>();
        foreach (var e in await TakeAllEventsAsync())
        {
            if (ids.Contains(e.ReportId))
            {
                e.Delivery.Url.ShouldBe(Endpoint.Url);
                e.Delivery.SigningKey.ShouldBe(Endpoint.SigningKey);
                e.At.ShouldBe(T0);
                taken.Add(e.Event);
            }
        }

        return taken;
    }

    /// <summary>Takes every queued event out of the outbox: the id it is reported under, <c>type</c> or <c>type:viewsLeft</c>, and its time.</summary>
    public async Task<List<(string ReportId, string Event, DateTimeOffset At, PendingDelivery Delivery)>> TakeAllEventsAsync()
    {
        var taken = new List<(string, string, DateTimeOffset, PendingDelivery)>();
        var far = T0.AddYears(1);
        var due = await provider.Webhooks.ClaimDueAsync(far, far.AddMinutes(1), 10_000, None);
        await provider.Webhooks.RemoveAsync([.. due.Select(d => d.Sequence)], None);
        foreach (var delivery in due)
        {
            using var body = JsonDocument.Parse(delivery.Body);
            var data = body.RootElement.GetProperty("data");
            var type = body.RootElement.GetProperty("type").GetString()!;
            taken.Add((data.GetProperty("id").GetString()!, data.TryGetProperty("viewsLeft", out var left) ? $"{type}:{left.GetInt32()}" : type,
                body.RootElement.GetProperty("timestamp").GetDateTimeOffset(), delivery));
        }

        return taken;
    }
}
