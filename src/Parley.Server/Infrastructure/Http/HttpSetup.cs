using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Parley.Contracts;

namespace Parley.Server.Infrastructure.Http;

/// <summary>The HTTP pipeline every feature shares: JSON, problem details, headers, proxies, OpenAPI.</summary>
internal static class HttpSetup
{
    public static IServiceCollection AddParleyHttp(this IServiceCollection services)
    {
        services.AddOptions<HttpOptions>()
            .BindConfiguration(HttpOptions.Section)
            .Validate(o => o.TrustedProxies.TrueForAll(p => TryParseNetwork(p, out _)),
                "Parley:Http:TrustedProxies entries must be IP addresses or CIDR networks.")
            .ValidateOnStart();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ParleyJsonContext.Default));
        services.AddParleyProblemDetails();
        // HEAD answers wherever GET does (HeadRequests); listing it would repeat every GET operation.
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            foreach (var path in document.Paths.Values)
            {
                path.Operations?.Remove(HttpMethod.Head);
            }

            return Task.CompletedTask;
        }));
        services.AddSingleton<RateLimitMetrics>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = static async (context, _) =>
            {
                context.HttpContext.RequestServices.GetRequiredService<RateLimitMetrics>().Refused(context.HttpContext);
                if (context.Lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter =
                        ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await Problems.Create(StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited, "Too many requests.",
                    "Too many requests from this client for this action; wait before trying again (see Retry-After).").ExecuteAsync(context.HttpContext);
            };
        });
        // Kestrel's limits as ASP.NET Core documents them (Kestrel:Limits:…, docs/configuration.md "Connections");
        // the host binds only endpoints and certificates from that section by itself.
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>().BindConfiguration("Kestrel");
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 64 * 1024; // endpoints that take more raise it for their request
        });
        return services;
    }

    /// <summary>What every request passes first: the trusted proxies' client address and the security headers.</summary>
    public static WebApplication UseParleyHttp(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<HttpOptions>>().Value;
        if (options.TrustedProxies.Count > 0)
        {
            // Only the listed proxies may rewrite the client address; the defaults (loopback) are cleared.
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = 1 };
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var entry in options.TrustedProxies)
            {
                TryParseNetwork(entry, out var network);
                forwarded.KnownIPNetworks.Add(network);
            }

            app.UseForwardedHeaders(forwarded);
        }

        app.UseMiddleware<SecurityHeadersMiddleware>();
        return app;
    }

    /// <summary>What the API's routes pass through after <see cref="UseParleyHttp"/>: errors, authentication, rate limits, OpenAPI.</summary>
    public static WebApplication UseParleyApi(this WebApplication app)
    {
        app.UseParleyProblemDetails();
        // Inside the exception handler, where WebApplication would put them before it: a token lookup
        // that fails (the store is down) must become a problem answer, not an empty 500. Before the
        // rate limiter, whose per-account partitions need the user.
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi();
        return app;
    }

    private static bool TryParseNetwork(string text, out System.Net.IPNetwork network)
    {
        if (System.Net.IPNetwork.TryParse(text, out network))
        {
            return true;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            network = new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8);
            return true;
        }

        return false;
    }
}
