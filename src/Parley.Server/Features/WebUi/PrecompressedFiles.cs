using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Parley.Server.Features.WebUi;

/// <summary>
/// Serves the web UI's files in the brotli or gzip copy that web/'s build wrote next to each of them
/// (<c>x.js.br</c>, <c>x.js.gz</c>), chosen by the request's <c>Accept-Encoding</c>. Nothing is
/// compressed per request, and only these static files are: answers from <c>/api</c> carry secrets
/// and are never compressed (compression next to attacker-chosen input leaks content, as BREACH showed).
/// </summary>
internal static class PrecompressedFiles
{
    /// <summary>The encodings the build writes, in the order preferred when the client accepts both equally.</summary>
    private static readonly (string Coding, string Suffix)[] Encodings = [("br", ".br"), ("gzip", ".gz")];

    private const string ChosenCodingKey = "parley.precompressed-coding";

    /// <summary>
    /// Before the static file middleware: a GET or HEAD under <paramref name="folder"/> whose file has an
    /// acceptable compressed copy is answered from that copy. The copies themselves are not addressable.
    /// </summary>
    public static IApplicationBuilder UsePrecompressedFiles(this IApplicationBuilder app, IFileProvider files, PathString folder) =>
        app.Use((context, next) =>
        {
            var request = context.Request;
            if (!request.Path.StartsWithSegments(folder, StringComparison.Ordinal)
                || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
            {
                return next(context);
            }

            var path = request.Path.Value!;
            if (Encodings.Any(e => path.EndsWith(e.Suffix, StringComparison.OrdinalIgnoreCase)))
            {
                // Sent as they are, they would reach the browser without Content-Encoding: not found.
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            if (Choose(request, files, path) is { } chosen)
            {
                request.Path = new PathString(chosen.Path);
                context.Items[ChosenCodingKey] = chosen.Coding;
            }

            return next(context);
        });

    /// <summary>The content type of a served file, looked up by the name without the compressed copy's suffix.</summary>
    public static IContentTypeProvider ContentTypes { get; } = new UncompressedNameContentTypes();

    /// <summary>For <c>OnPrepareResponse</c>: labels a compressed copy and tells caches the answer depends on <c>Accept-Encoding</c>.</summary>
    public static void LabelResponse(HttpContext context)
    {
        context.Response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (context.Items[ChosenCodingKey] is string coding)
        {
            context.Response.Headers.ContentEncoding = coding;
        }
    }

    /// <summary>
    /// The compressed copy of <paramref name="path"/> (a path inside <paramref name="files"/>) to send
    /// for <paramref name="request"/>, or null to send the file itself.
    /// </summary>
    public static (string Path, string Coding)? Choose(HttpRequest request, IFileProvider files, string path)
    {
        var accepted = ParseAcceptEncoding(request);
        if (accepted.Count == 0)
        {
            return null;
        }

        (string Path, string Coding)? best = null;
        var bestQuality = 0.0;
        foreach (var (coding, suffix) in Encodings)
        {
            var quality = Quality(accepted, coding);
            if (quality > bestQuality && files.GetFileInfo(path + suffix) is { Exists: true, IsDirectory: false })
            {
                best = (path + suffix, coding);
                bestQuality = quality;
            }
        }

        return best;
    }

    private static IList<StringWithQualityHeaderValue> ParseAcceptEncoding(HttpRequest request) =>
        StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptEncoding, out var values) ? values : [];

    /// <summary>The client's weight for <paramref name="coding"/>: named explicitly, else through <c>*</c>, else 0 (RFC 9110 §12.5.3).</summary>
    private static double Quality(IList<StringWithQualityHeaderValue> accepted, string coding)
    {
        double? named = null;
        double? any = null;
        foreach (var value in accepted)
        {
            var quality = value.Quality ?? 1.0;
            if (value.Value.Equals(coding, StringComparison.OrdinalIgnoreCase))
            {
                named = quality;
            }
            else if (value.Value.Equals("*", StringComparison.Ordinal))
            {
                any = quality;
            }
        }

        return named ?? any ?? 0.0;
    }

    private sealed class UncompressedNameContentTypes : IContentTypeProvider
    {
        private readonly FileExtensionContentTypeProvider _byExtension = new();

        public bool TryGetContentType(string subpath, out string contentType)
        {
            foreach (var (_, suffix) in Encodings)
            {
                if (subpath.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                {
                    subpath = subpath[..^suffix.Length];
                    break;
                }
            }

            return _byExtension.TryGetContentType(subpath, out contentType!);
        }
    }
}
