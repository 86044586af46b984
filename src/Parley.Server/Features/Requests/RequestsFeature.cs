using Microsoft.AspNetCore.Http.Json;
using Parley.Contracts.Requests;
using Parley.Server.Features.Requests.Storage;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Requests;

/// <summary>
/// Request-a-secret (docs/request-format.md, docs/api.md "Requests"): a requester asks for a secret,
/// a responder answers once, only the requester can open the answer. Builds on the secrets feature:
/// its options (expiry choices, creation switch, retention), its store (answers are secrets) and its
/// creation rate limit.
/// </summary>
public static class RequestsFeature
{
    public static IServiceCollection AddRequests(this IServiceCollection services)
    {
        services.Configure<JsonOptions>(o => o.SerializerOptions.TypeInfoResolverChain.Add(RequestsJsonContext.Default));
        services.AddSchema(RequestsSchema.Schema);
        services.AddProviderStore<IRequestStore, SqliteRequestStore, PostgresRequestStore, MemoryRequestStore>();
        services.AddSingleton<RequestsMetrics>();
        services.AddSingleton<RequestsApi>();
        services.AddSingleton<RequestsSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<RequestsSweeper>());
        return services;
    }

    public static RouteGroupBuilder MapRequestsEndpoints(this IEndpointRouteBuilder routes)
    {
        var requests = routes.MapGroup("/api/requests").WithTags("Requests").AnswerHeadLikeGet();
        requests.MapPost("/", (HttpContext c, RequestsApi r) => r.CreateAsync(c))
            .WithName("CreateRequest").RequireRateLimiting(SecretsFeature.CreatePolicy)
            .Accepts<CreateRequestRequest>("application/json")
            .Produces<CreateRequestResponse>(StatusCodes.Status201Created)
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(413).ProducesProblem(415).ProducesProblem(429);
        requests.MapGet("/{id}", (string id, HttpContext c, RequestsApi r) => r.LookAsync(id, c))
            .WithName("LookAtRequest").Produces<RequestLookResponse>()
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(410);
        requests.MapPost("/{id}/answer", (string id, HttpContext c, RequestsApi r) => r.AnswerAsync(id, c))
            .WithName("AnswerRequest").RequireRateLimiting(SecretsFeature.CreatePolicy)
            .Accepts<AnswerRequestRequest>("application/json")
            .Produces<AnswerRequestResponse>(StatusCodes.Status201Created)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(410).ProducesProblem(413)
            .ProducesProblem(415).ProducesProblem(429);
        requests.MapGet("/{id}/answer", (string id, HttpContext c, RequestsApi r) => r.OpenAnswerAsync(id, c))
            .WithName("GetRequestAnswer").Produces<RequestAnswerResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(404).ProducesProblem(409).ProducesProblem(410);
        requests.MapGet("/{id}/manage", (string id, HttpContext c, RequestsApi r) => r.StatusAsync(id, c))
            .WithName("GetRequestStatus").Produces<RequestStatusResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(404);
        requests.MapDelete("/{id}", (string id, HttpContext c, RequestsApi r) => r.DestroyAsync(id, c))
            .WithName("DestroyRequest").Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(404);
        return requests;
    }
}
