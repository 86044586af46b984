using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Http;

namespace Parley.Server.Features.Health;

/// <summary>
/// <c>/healthz</c>: 200 when the server and its store answer, 503 otherwise. <c>/livez</c>: 200 while
/// the process serves requests, touching nothing (also the benchmark's "bare endpoint" ceiling).
/// </summary>
public static class HealthEndpoints
{
    public static RouteGroupBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(string.Empty).WithTags("Health").ExcludeFromDescription().AnswerHeadLikeGet();
        group.MapGet("/livez", () => Results.Text("ok"));
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
}
