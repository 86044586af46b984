namespace Parley.Server.Infrastructure.Http;

/// <summary>Operator options for response headers (config section <c>Parley:Http</c>).</summary>
public sealed class HttpOptions
{
    public const string Section = "Parley:Http";

    /// <summary>
    /// CSP of everything outside <c>/api</c> (the web UI); strict by default. <c>frame-src 'self'</c>
    /// lets the open page save a decrypted file through a hidden same-origin frame that the download
    /// service worker answers (streamed, bounded memory); nothing else is ever framed.
    /// </summary>
    public string ContentSecurityPolicy { get; set; } =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; " +
        "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Proxies (IP addresses or CIDR networks) whose <c>X-Forwarded-For</c> is believed. Empty: none.</summary>
    public List<string> TrustedProxies { get; set; } = [];
}

/// <summary>
/// Adds the security headers to every response, errors included. They are set when the response
/// starts, so nothing that clears headers on the way (the exception handler does) can drop them.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next, Microsoft.Extensions.Options.IOptions<HttpOptions> options)
{
    // Nothing under /api is a document: it may load nothing and be framed by no one. Paths match in any
    // case, as routing matches them.
    private const string ApiPolicy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private readonly string _pagePolicy = options.Value.ContentSecurityPolicy;

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var (ctx, pagePolicy) = ((HttpContext, string))state;
            var headers = ctx.Response.Headers;
            var isApi = ctx.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
                || ctx.Request.Path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase)
                || ctx.Request.Path.StartsWithSegments("/healthz", StringComparison.OrdinalIgnoreCase)
                || ctx.Request.Path.StartsWithSegments("/livez", StringComparison.OrdinalIgnoreCase);
            headers.ContentSecurityPolicy = isApi ? ApiPolicy : pagePolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()";
            if (isApi)
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        }, (context, _pagePolicy));
        return next(context);
    }
}
