using System.CommandLine;
using Parley.Client.Network;

namespace Parley.Cli;

/// <summary>
/// <c>--proxy socks5h://host:port</c> (else <c>$PARLEY_PROXY</c>): every connection of every command goes
/// through that SOCKS5 proxy, with the server's name resolved by the proxy. An invalid value is a usage
/// error before anything is opened or sent.
/// </summary>
internal static class ProxyOption
{
    public const string Variable = "PARLEY_PROXY";

    public static readonly Option<string?> Option = new("--proxy")
    {
        Description = $"Send every connection through this SOCKS5 proxy, names resolved by the proxy: socks5h://host:port (Tor: socks5h://127.0.0.1:9050; default: ${Variable})",
        Recursive = true,
        HelpName = "url",
    };

    /// <summary>The proxy to use, or null for direct connections; a usage error when the value is not a proxy URL.</summary>
    public static SocksProxy? Resolve(ParseResult parse)
    {
        var given = parse.GetValue(Option);
        var value = given ?? Environment.GetEnvironmentVariable(Variable);
        if (given is null && string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var where = given is null ? "$" + Variable : "--proxy";
        return SocksProxy.TryParse(value!, out var problem) ?? throw CliException.Usage($"{where}: {problem}");
    }

    /// <summary>The HTTP handler for the secret commands: through the proxy, or null for the client's direct default.</summary>
    public static HttpMessageHandler? Handler(ParseResult parse) => Resolve(parse) is { } proxy ? ClientHandlers.Create(proxy) : null;
}
