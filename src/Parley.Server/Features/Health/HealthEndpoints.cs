using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Http;

namespace Parley.Server.Features.Health;

/// <summary>
/// <c>/healthz</c>: 200 when the server and its store answer, 503 otherwise. <c>/livez</c>: 200 while
/// the process serves requests, touching nothing (also the benchmark's "bare endpoint" ceiling).
/// <c>/readyz</c>: 200 when this node should take traffic — not draining, and every
/// <see cref="IReadinessCheck"/> (the store; Redis when configured) answers — else 503 naming what is not.
/// </summary>
public static class HealthEndpoints
{
    public static IServiceCollection AddHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HealthOptions>().Bind(configuration.GetSection(HealthOptions.Section))
            .Validate(o => o.DrainSeconds is >= 0 and <= 600, "Parley:Health:DrainSeconds must lie between 0 and 600.")
            .ValidateOnStart();
        services.AddSingleton<NodeDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeDrain>());
        services.AddSingleton<IReadinessCheck, StoreReadiness>();
        services.AddSingleton<NodeReadiness>();
        services.AddSingleton<HealthMetrics>();
        // The drain must fit in the host's shutdown timeout, with time left to finish requests after it.
        var drain = configuration.GetValue<int?>(HealthOptions.Section + ":DrainSeconds") ?? 0;
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(Math.Clamp(drain, 0, 600) + 30));
        return services;
    }

    public static RouteGroupBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        // Its gauges exist from the start, whether or not anything scrapes them yet.
        routes.ServiceProvider.GetRequiredService<HealthMetrics>();
        var group = routes.MapGroup(string.Empty).WithTags("Health").ExcludeFromDescription().AnswerHeadLikeGet();
        group.MapGet("/livez", () => Results.Text("ok"));
        group.MapGet("/readyz", async (HttpContext context, NodeReadiness readiness) =>
            await readiness.WhyNotReadyAsync(context.RequestAborted) switch
            {
                null => Results.Text("{\"status\":\"ready\"}", "application/json", statusCode: 200),
                NodeReadiness.Draining => NotReady(NodeReadiness.Draining, "This node is shutting down; use another."),
                var check => NotReady(check, $"This node cannot reach its {check}."),
            });
        group.MapGet("/healthz", async (HttpContext context) =>
        {
            var store = context.RequestServices.GetRequiredService<ISecretStore>();
            bool ok;
            try
            {
                ok = await store.PingAsync(context.RequestAborted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ok = false;
            }

            return ok
                ? Results.Text("{\"status\":\"ok\"}", "application/json", statusCode: 200)
                : Results.Problem(statusCode: 503, title: "The store does not answer.", type: Parley.Contracts.ProblemTypes.InternalError);
        });
        return group;
    }

    private static IResult NotReady(string reason, string detail) =>
        Results.Problem(statusCode: 503, title: "Not ready.", detail: detail, type: Parley.Contracts.ProblemTypes.NodeUnavailable,
            extensions: new Dictionary<string, object?> { ["reason"] = reason });
}
