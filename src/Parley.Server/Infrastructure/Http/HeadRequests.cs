namespace Parley.Server.Infrastructure.Http;

/// <summary>
/// HEAD on a GET route answers as GET does, without the body (RFC 9110 §9.3.2): the handler runs and
/// Kestrel drops what it writes for a HEAD request. A route whose GET changes state (fetching a prekey
/// bundle consumes keys) opts out with <see cref="GetOnly{TBuilder}"/> and answers HEAD with 405.
/// The OpenAPI document lists GET only (<see cref="HttpSetup"/>).
/// </summary>
internal static class HeadRequests
{
    /// <summary>Lets every GET endpoint of <paramref name="builder"/> (a route group) answer HEAD too.</summary>
    public static TBuilder AnswerHeadLikeGet<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            if (endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault() is { } methods
                && methods.HttpMethods.Contains(HttpMethods.Get) && !methods.HttpMethods.Contains(HttpMethods.Head)
                && !endpoint.Metadata.OfType<GetOnlyMetadata>().Any())
            {
                endpoint.Metadata.Add(new HttpMethodMetadata([.. methods.HttpMethods, HttpMethods.Head], methods.AcceptCorsPreflight));
            }
        });
        return builder;
    }

    /// <summary>Keeps HEAD away from a GET endpoint that is not safe to run without reading its answer.</summary>
    public static TBuilder GetOnly<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(GetOnlyMetadata.Instance);

    private sealed class GetOnlyMetadata
    {
        public static readonly GetOnlyMetadata Instance = new();
    }
}
