using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Parley.Contracts;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Infrastructure.Http;

/// <summary>
/// The one path by which errors leave the server: endpoint results, framework answers without a
/// body (unknown route, 405, binding failures), Kestrel's bad-request exceptions (413, truncated
/// bodies) and unhandled exceptions all become problem details through <see cref="IProblemDetailsService"/>.
/// </summary>
internal static class ProblemDetailsSetup
{
    public static IServiceCollection AddParleyProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Customize);
        services.AddExceptionHandler<ParleyExceptionHandler>();
        return services;
    }

    public static WebApplication UseParleyProblemDetails(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    private static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        if (problem.Type is null || !problem.Type.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal))
        {
            var (type, title) = Problems.ForStatus(status);
            problem.Type = type;
            problem.Title = title;
            problem.Detail = null; // framework details may echo input; keep answers plain
        }

        problem.Instance = null;
        problem.Extensions.Remove("exception");
        problem.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
    }
}

/// <summary>Turns exceptions into problem details without leaking their messages.</summary>
internal sealed partial class ParleyExceptionHandler(IProblemDetailsService problems, StoreFaultLog storeFaults,
    ILogger<ParleyExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>Seconds a client is asked to wait after a store fault.</summary>
    private const string StoreFaultRetryAfter = "5";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (StoreFault.Classify(exception) is { } fault)
        {
            // The disk or the database, not a bug: a 503 the client can act on, one line for the operator.
            storeFaults.Refused(fault, exception);
            if (httpContext.Response.HasStarted)
            {
                return true;
            }

            httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            httpContext.Response.Headers.RetryAfter = StoreFaultRetryAfter;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = Problems.StoreFault(fault) });
        }

        int status;
        if (exception is BadHttpRequestException bad)
        {
            // Kestrel's own verdicts: body too large (413), body ended early or malformed (400).
            status = bad.StatusCode;
            LogBadRequest(logger, status);
        }
        else if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            LogAborted(logger);
            return true;
        }
        else
        {
            status = StatusCodes.Status500InternalServerError;
            LogUnhandled(logger, exception.GetType().FullName ?? "?", exception);
        }

        if (httpContext.Response.HasStarted)
        {
            return true;
        }

        httpContext.Response.StatusCode = status;
        var (type, title) = Problems.ForStatus(status);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = title },
        });
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Rejected a bad request ({Status})")]
    private static partial void LogBadRequest(ILogger logger, int status);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Debug, Message = "The client aborted the request")]
    private static partial void LogAborted(ILogger logger);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "Unhandled {ExceptionType}")]
    private static partial void LogUnhandled(ILogger logger, string exceptionType, Exception exception);
}
