using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Parley.Contracts.Secrets;
using Parley.Server.Features.Secrets.Storage;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.RateLimiting;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Secrets;

/// <summary>The one-time secrets feature: options, store, sweeper, rate limit and routes (docs/api.md).</summary>
public static class SecretsFeature
{
    public const string CreatePolicy = "secrets-create";

    public static IServiceCollection AddSecrets(this IServiceCollection services)
    {
        services.AddOptions<SecretsOptions>().BindConfiguration(SecretsOptions.Section).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<SecretsOptions>, SecretsOptionsDefaults>();
        services.AddSingleton<IValidateOptions<SecretsOptions>, SecretsOptionsValidator>();
        services.AddSchema(SecretsSchema.Schema);
        services.AddProviderStore<ISecretStore, SqliteSecretStore, PostgresSecretStore, MemorySecretStore>();
        services.AddSingleton<SecretsMetrics>();
        services.AddSingleton<SecretsEndpoints>();
        services.AddSingleton<SecretsSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<SecretsSweeper>());
        services.Configure<RateLimiterOptions>(o => o.AddPolicy(CreatePolicy, CreatePartition));
        return services;
    }

    public static RouteGroupBuilder MapSecretsEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").WithTags("Secrets").AnswerHeadLikeGet();
        api.MapGet("/config", (SecretsEndpoints s) => s.Config())
            .WithName("GetConfig").Produces<SecretsConfigResponse>();

        var secrets = api.MapGroup("/secrets");
        secrets.MapPost("/", (HttpContext c, SecretsEndpoints s) => s.CreateAsync(c))
            .WithName("CreateSecret").RequireRateLimiting(CreatePolicy)
            .Accepts<CreateSecretRequest>("application/json")
            .Produces<CreateSecretResponse>(StatusCodes.Status201Created)
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(413).ProducesProblem(415).ProducesProblem(429);
        secrets.MapGet("/{id}", (string id, HttpContext c, SecretsEndpoints s) => s.LookAsync(id, c))
            .WithName("LookAtSecret").Produces<SecretLookResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(410);
        secrets.MapPost("/{id}/open", (string id, HttpContext c, SecretsEndpoints s) => s.OpenAsync(id, c))
            .WithName("OpenSecret").Accepts<OpenSecretRequest>("application/json").Produces<OpenSecretResponse>()
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(410).ProducesProblem(415);
        secrets.MapGet("/{id}/manage", (string id, HttpContext c, SecretsEndpoints s) => s.StatusAsync(id, c))
            .WithName("GetSecretStatus").Produces<SecretStatusResponse>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(404);
        secrets.MapDelete("/{id}", (string id, HttpContext c, SecretsEndpoints s) => s.DestroyAsync(id, c))
            .WithName("DestroySecret").Produces(StatusCodes.Status204NoContent).ProducesProblem(400).ProducesProblem(401).ProducesProblem(404);
        secrets.MapDelete("/{id}/recipients", (string id, HttpContext c, SecretsEndpoints s) => s.DestroyAllAsync(id, c))
            .WithName("DestroyAllRecipientLinks").Produces(StatusCodes.Status204NoContent).ProducesProblem(400).ProducesProblem(401).ProducesProblem(404);
        secrets.MapPut("/{id}/stream", (string id, HttpContext c, SecretsEndpoints s) => s.UploadAsync(id, c))
            .WithName("UploadSecretStream").Accepts<Stream>("application/octet-stream")
            .Produces<UploadCompleteResponse>().Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(404).ProducesProblem(409).ProducesProblem(410).ProducesProblem(413).ProducesProblem(415);
        secrets.MapGet("/{id}/stream", (string id, HttpContext c, SecretsEndpoints s) => s.DownloadAsync(id, c))
            .WithName("DownloadSecretStream").Produces<Stream>(200, "application/octet-stream").Produces<Stream>(206, "application/octet-stream")
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(404).ProducesProblem(410).ProducesProblem(416);
        secrets.MapDelete("/{id}/stream", (string id, HttpContext c, SecretsEndpoints s) => s.EndDownloadAsync(id, c))
            .WithName("EndSecretDownload").Produces(StatusCodes.Status204NoContent).ProducesProblem(400).ProducesProblem(401);
        return api;
    }

    private static RateLimitPartition<string> CreatePartition(HttpContext context)
    {
        var perMinute = context.RequestServices.GetRequiredService<IOptions<SecretsOptions>>().Value.CreatePerMinute;
        if (perMinute == 0)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.Get(address, _ => new ClockedFixedWindowLimiter(perMinute, TimeSpan.FromMinutes(1), time));
    }
}
