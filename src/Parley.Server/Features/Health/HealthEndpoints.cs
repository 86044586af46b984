using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Health;

/// <summary><c>/healthz</c>: 200 when the server and its store answer, 503 otherwise.</summary>
public static class HealthEndpoints
{
    public static IEndpointConventionBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/healthz", async (HttpContext context) =>
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
        }).WithTags("Health").WithName("Health").ExcludeFromDescription();
}
