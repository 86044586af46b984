using Microsoft.Extensions.Options;
using Parley.Server.Features.Webhooks.Storage;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Webhooks;

/// <summary>Signed webhooks for secrets and requests (docs/webhooks.md): options, store, sender and delivery worker.</summary>
public static class WebhooksFeature
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.AddSchema(WebhooksSchema.Schema);
        services.AddProviderStore<IWebhookStore, SqliteWebhookStore, PostgresWebhookStore, MemoryWebhookStore>();
        services.AddSingleton<WebhookSignal>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<SqliteWebhookWrites>();
        services.AddSingleton<PostgresWebhookWrites>();
        services.AddSingleton<WebhookEndpoints>();
        services.AddHostedService<WebhookDeliveryWorker>();
        return services;
    }
}
