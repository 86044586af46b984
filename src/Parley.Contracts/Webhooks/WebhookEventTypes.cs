namespace Parley.Contracts.Webhooks;

/// <summary>The <c>type</c> of a webhook payload (docs/webhooks.md).</summary>
public static class WebhookEventTypes
{
    /// <summary>A view was taken; <c>viewsLeft</c> says how many remain.</summary>
    public const string SecretOpened = "secret.opened";

    /// <summary>A wrong access key or passphrase; what was tried is never sent.</summary>
    public const string SecretFailedAttempt = "secret.failed_attempt";

    /// <summary>The content is gone by opening: the last view was taken, or too many wrong passphrases.</summary>
    public const string SecretBurned = "secret.burned";

    /// <summary>The secret expired before it was fully opened.</summary>
    public const string SecretExpired = "secret.expired";

    /// <summary>The creator destroyed the secret.</summary>
    public const string SecretDestroyed = "secret.destroyed";

    /// <summary>Someone answered the request.</summary>
    public const string RequestAnswered = "request.answered";

    /// <summary>The requester opened the answer.</summary>
    public const string RequestAnswerOpened = "request.answer_opened";

    /// <summary>Webhook headers (Standard Webhooks).</summary>
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
}
