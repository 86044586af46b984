using System.Net;

namespace Parley.Server.Features.Webhooks;

/// <summary>
/// The rules a webhook URL must pass at creation and again before each delivery: an absolute http or
/// https URL of bounded length, plain ASCII (an internationalised host must come in its xn-- form, so
/// look-alike letters cannot hide), no user info, no fragment, and a literal IP address only when it is
/// allowed. Host names are resolved, and their addresses checked, when the call is made.
/// </summary>
internal static class WebhookUrl
{
    public const int MaxLength = 2048;

    /// <summary>The parsed URL, or null with a reason fit to show the creator (it never repeats the URL).</summary>
    public static Uri? Parse(string text, bool allowPrivateTargets, out string? problem)
    {
        problem = Check(text, allowPrivateTargets, out var uri);
        return problem is null ? uri : null;
    }

    private static string? Check(string text, bool allowPrivateTargets, out Uri? uri)
    {
        uri = null;
        if (text.Length == 0 || text.Length > MaxLength)
        {
            return $"must be an http or https URL of at most {MaxLength} characters";
        }

        foreach (var c in text)
        {
            if (c <= ' ' || c >= 0x7f || c == '\\')
            {
                return "must be plain ASCII without spaces, backslashes or control characters (write an international host name in its xn-- form)";
            }
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || parsed.IsFile || parsed.IsUnc)
        {
            return "must be an absolute http or https URL";
        }

        if (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
        {
            return "must use http or https";
        }

        if (!text.StartsWith(parsed.Scheme + "://", StringComparison.OrdinalIgnoreCase))
        {
            return "must be an absolute http or https URL";
        }

        // Any '@' before the path counts, even an empty user name: parsers disagree on such URLs.
        var afterScheme = parsed.Scheme.Length + 3;
        var authorityEnd = text.IndexOfAny(['/', '?', '#'], afterScheme);
        var authority = text[afterScheme..(authorityEnd < 0 ? text.Length : authorityEnd)];
        if (parsed.UserInfo.Length > 0 || authority.Contains('@', StringComparison.Ordinal))
        {
            return "must not carry a user name or password";
        }

        if (parsed.Fragment.Length > 0)
        {
            return "must not have a fragment";
        }

        var host = parsed.IdnHost;
        if (host.Length == 0)
        {
            return "must name a host";
        }

        if (parsed.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            if (!IPAddress.TryParse(host.Trim('[', ']'), out var address))
            {
                return "must name a valid host";
            }

            if (!allowPrivateTargets && WebhookAddressRules.IsForbidden(address))
            {
                return "must not point at a loopback, private, link-local, multicast or unspecified address";
            }
        }
        else if (parsed.HostNameType != UriHostNameType.Dns)
        {
            return "must name a valid host";
        }

        uri = parsed;
        return null;
    }
}
