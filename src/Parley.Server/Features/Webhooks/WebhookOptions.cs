using Microsoft.Extensions.Options;

namespace Parley.Server.Features.Webhooks;

/// <summary>Operator options of webhooks (config section <c>Parley:Webhooks</c>; docs/configuration.md).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Parley:Webhooks";

    /// <summary>
    /// True lets webhooks reach loopback, private, link-local, unique-local and similar addresses.
    /// Off by default: a creator could otherwise make the server call into the operator's own network.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>Time to open a connection to a receiver.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time for a whole delivery, from connecting to the receiver's status line.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait before the first retry; each further retry waits twice as long, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Attempts per event before it is dropped.</summary>
    public int MaxAttempts { get; set; } = 15;

    /// <summary>Age after which an undelivered event is dropped, whatever its attempts.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often the delivery worker looks for due events that another node (or a restart) left.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries in flight at once.</summary>
    public int Concurrency { get; set; } = 8;
}

internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions o)
    {
        var failures = new List<string>();
        if (o.ConnectTimeout <= TimeSpan.Zero || o.RequestTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{WebhookOptions.Section}:ConnectTimeout and RequestTimeout must be positive.");
        }

        if (o.FirstRetryDelay <= TimeSpan.Zero || o.MaxRetryDelay < o.FirstRetryDelay)
        {
            failures.Add($"{WebhookOptions.Section}:FirstRetryDelay must be positive and at most MaxRetryDelay.");
        }

        if (o.MaxAttempts is < 1 or > 100 || o.MaxAge <= TimeSpan.Zero)
        {
            failures.Add($"{WebhookOptions.Section}:MaxAttempts must lie between 1 and 100 and MaxAge must be positive.");
        }

        if (o.PollInterval <= TimeSpan.Zero || o.Concurrency is < 1 or > 256)
        {
            failures.Add($"{WebhookOptions.Section}:PollInterval must be positive and Concurrency between 1 and 256.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
