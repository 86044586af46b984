using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Parley.Server.Features.WebUi;

/// <summary>
/// Serves the browser app that web/ builds into <c>wwwroot/app/</c>: its static files under
/// <c>/app/</c>, and its one HTML page for the app's routes (<c>/</c>, <c>/s/{id}</c>, <c>/m/{id}</c>,
/// <c>/request</c>, <c>/r/…</c>). The page decides what to show from the path and the fragment, which the server never
/// sees; serving it changes nothing, whoever asks how often.
/// </summary>
public static class WebUiEndpoints
{
    private const string AppFolder = "app";
    private const string IndexFile = "index.html";

    /// <summary>The app's routes that answer with its page.</summary>
    public static readonly IReadOnlyList<string> PageRoutes = ["/", "/s/{id}", "/m/{id}", "/request", "/r/{**rest}"];

    public static WebApplication UseWebUi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UsePrecompressedFiles(app.Environment.WebRootFileProvider, "/" + AppFolder);
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = PrecompressedFiles.ContentTypes,
            OnPrepareResponse = context =>
            {
                SetCaching(context.Context.Request.Path, context.Context.Response.Headers);
                PrecompressedFiles.LabelResponse(context.Context);
            },
        });

        var group = app.MapGroup(string.Empty).ExcludeFromDescription();
        foreach (var route in PageRoutes)
        {
            group.MapGet(route, (HttpContext context, IWebHostEnvironment env) => ServePage(context, env.WebRootFileProvider));
            group.MapMethods(route, [HttpMethods.Head], (HttpContext context, IWebHostEnvironment env) => ServePage(context, env.WebRootFileProvider));
        }

        return app;
    }

    private static IResult ServePage(HttpContext context, IFileProvider files)
    {
        var indexPath = $"{AppFolder}/{IndexFile}";
        var index = files.GetFileInfo(indexPath);
        if (!index.Exists || index.PhysicalPath is null)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                type: "urn:parley:problem:web-ui-not-built",
                title: "The web UI is not built",
                detail: "Build it with `npm run build` in web/ (./run.sh does this).");
        }

        // The page holds no secret, but it must never be cached with one in its URL by a proxy.
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (PrecompressedFiles.Choose(context.Request, files, indexPath) is { } compressed
            && files.GetFileInfo(compressed.Path).PhysicalPath is { } compressedPath)
        {
            context.Response.Headers.ContentEncoding = compressed.Coding;
            return Results.File(compressedPath, "text/html; charset=utf-8");
        }

        return Results.File(index.PhysicalPath, "text/html; charset=utf-8");
    }

    private static void SetCaching(PathString path, IHeaderDictionary headers)
    {
        // Vite names assets by content hash: they can be cached for good. The worker and the page
        // are not hashed and must be revalidated so an update reaches every browser.
        headers[HeaderNames.CacheControl] = path.StartsWithSegments("/app/assets", StringComparison.Ordinal)
            ? "public, max-age=31536000, immutable"
            : "no-cache";
    }
}
