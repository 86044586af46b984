using Parley.Contracts.Blobs;
using Parley.Server.Features.Blobs.Storage;
using Parley.Server.Features.Messaging;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.Storage;
using Microsoft.Extensions.Options;

namespace Parley.Server.Features.Blobs;

/// <summary>
/// The blob store for attachments: sealed files that messaging accounts upload and their recipients
/// fetch with tokens they received end to end (docs/messaging-api.md, "Blobs"). It uses the messaging
/// feature's bearer tokens and per-account rate limit; everything else is its own.
/// </summary>
public static class BlobsFeature
{
    public static IServiceCollection AddBlobs(this IServiceCollection services)
    {
        services.AddOptions<BlobsOptions>().BindConfiguration(BlobsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BlobsOptions>, BlobsOptionsValidator>();
        services.AddSchema(BlobsSchema.Schema);
        services.AddProviderStore<IBlobStore, SqliteBlobStore, PostgresBlobStore, MemoryBlobStore>();
        services.AddSingleton<BlobsApi>();
        services.AddSingleton<BlobsSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<BlobsSweeper>());
        return services;
    }

    public static RouteGroupBuilder MapBlobsEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/blobs").WithTags("Blobs").AnswerHeadLikeGet();
        api.MapGet("/limits", (BlobsApi b) => b.Limits()).WithName("GetBlobLimits").Produces<BlobLimitsResponse>();

        var authed = api.MapGroup("").RequireAuthorization(MessagingFeature.Policy).RequireRateLimiting(MessagingFeature.AccountLimit)
            .ProducesProblem(401).ProducesProblem(429);
        authed.MapPost("/", (HttpContext c, BlobsApi b) => b.CreateAsync(c)).WithName("CreateBlob")
            .Accepts<CreateBlobRequest>("application/json").Produces<CreateBlobResponse>(201)
            .ProducesProblem(400).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);
        authed.MapPut("/{id}", (string id, HttpContext c, BlobsApi b) => b.UploadAsync(id, c)).WithName("UploadBlob")
            .Accepts<Stream>("application/octet-stream").Produces(204)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);
        authed.MapGet("/{id}", (string id, HttpContext c, BlobsApi b) => b.DownloadAsync(id, c)).WithName("FetchBlob")
            .Produces<Stream>(200, "application/octet-stream").ProducesProblem(400).ProducesProblem(404);
        authed.MapDelete("/{id}", (string id, HttpContext c, BlobsApi b) => b.DeleteAsync(id, c)).WithName("ReleaseBlob")
            .Produces(204).ProducesProblem(400).ProducesProblem(404);
        return api;
    }
}
