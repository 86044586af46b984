using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Webhooks;

/// <summary>
/// What the secrets and requests handlers call after a state change: queues the event for the
/// subject's webhook, if it has one. A failure to queue is logged, never turned into an error for the
/// caller, whose change is already stored.
/// </summary>
internal sealed class WebhookNotifier(IWebhookStore store, WebhookSignal signal, TimeProvider time, ILogger<WebhookNotifier> logger)
{
    public async ValueTask NotifyAsync(SecretId subject, SubjectEvent happened, int? viewsLeft = null)
    {
        try
        {
            if (await store.EnqueueAsync(subject, happened, viewsLeft, time.GetUtcNow(), CancellationToken.None))
            {
                signal.Wake();
            }
        }
        catch (Exception e)
        {
            WebhooksLog.QueueFailed(logger, e);
        }
    }
}
