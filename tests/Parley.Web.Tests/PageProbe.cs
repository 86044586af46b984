using Microsoft.Playwright;

namespace Parley.Web.Tests;

/// <summary>
/// Watches a page for Content-Security-Policy violations (the DOM's securitypolicyviolation events
/// and Chromium's console reports) and for console errors.
/// </summary>
public sealed class PageProbe
{
    private readonly List<string> _csp = [];
    private readonly List<string> _errors = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<string> CspViolations
    {
        get
        {
            lock (_gate)
            {
                return [.. _csp];
            }
        }
    }

    public IReadOnlyList<string> ConsoleErrors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    public static async Task<PageProbe> AttachAsync(IPage page)
    {
        var probe = new PageProbe();
        await page.ExposeFunctionAsync("__parleyCspViolation", (string report) => probe.Add(probe._csp, report));
        await page.AddInitScriptAsync(
            """
            document.addEventListener('securitypolicyviolation', (e) => {
              window.__parleyCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
            });
            """);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                probe.Add(probe._errors, message.Text);
                if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                {
                    probe.Add(probe._csp, message.Text);
                }
            }
        };
        return probe;
    }

    private void Add(List<string> list, string text)
    {
        lock (_gate)
        {
            list.Add(text);
        }
    }
}
