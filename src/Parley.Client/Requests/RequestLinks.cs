using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Parley.Client.Secrets;

namespace Parley.Client.Requests;

/// <summary>The two link shapes of docs/request-format.md §2.</summary>
public enum RequestLinkKind
{
    /// <summary><c>{server}/r/{id}#{b64u(A)}</c>: goes to the responder, who answers with it.</summary>
    Send,

    /// <summary><c>{server}/r/{id}/answer#{b64u(a)}</c>: the requester keeps it and opens the answer with it.</summary>
    Private,
}

/// <summary>A send link: server, request id and the requester's public key A (not printed by <see cref="ToString"/>).</summary>
public sealed class SendLink
{
    private readonly byte[] _publicKey;

    public SendLink(string server, string id, ReadOnlySpan<byte> publicKey)
    {
        Server = SecretLinks.NormalizeServer(server);
        Id = SecretLinks.RequireId(id);
        if (publicKey.Length != RequestFormat.KeySize)
        {
            throw new ArgumentException("The public key must be 32 bytes.", nameof(publicKey));
        }

        _publicKey = publicKey.ToArray();
    }

    /// <summary>The base address, without a trailing '/'.</summary>
    public string Server { get; }

    public string Id { get; }

    /// <summary>A, the requester's X25519 public key.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>The link text: <c>{server}/r/{id}#{b64u(A)}</c>.</summary>
    public string Format() => $"{Server}/r/{Id}#{Base64UrlStrict.Encode(_publicKey)}";

    public override string ToString() => $"{Server}/r/{Id}#…";
}

/// <summary>A private link <c>{server}/r/{id}/answer#{b64u(a)}</c>: server, request id and the requester's private key a.</summary>
public sealed class PrivateLink(string server, string id, ReadOnlySpan<byte> privateKey)
    : FragmentKeyLink(server, id, privateKey, "The private key", nameof(privateKey))
{
    /// <summary>a, the requester's X25519 private key.</summary>
    public ReadOnlySpan<byte> PrivateKey => Secret;

    private protected override string Path => $"/r/{Id}/answer";
}

/// <summary>Parsing of request links (docs/request-format.md §2, with the rules of docs/secret-format.md §4).</summary>
public static partial class RequestLinks
{
    private static readonly int KeyChars = Base64UrlStrict.EncodedLength(RequestFormat.KeySize);

    /// <summary>Parses a send link; throws <see cref="DamagedLinkException"/> for anything else (a private link included).</summary>
    public static SendLink ParseSend(string text)
    {
        var (kind, server, id, key) = Split(text);
        try
        {
            return kind == RequestLinkKind.Send
                ? new SendLink(server, id, key)
                : throw new DamagedLinkException("This is the requester's private link (/r/…/answer); answering needs the request link (/r/… without /answer).");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Parses a private link; throws <see cref="DamagedLinkException"/> for anything else (a send link included).</summary>
    public static PrivateLink ParsePrivate(string text)
    {
        var (kind, server, id, key) = Split(text);
        try
        {
            return kind == RequestLinkKind.Private
                ? new PrivateLink(server, id, key)
                : throw new DamagedLinkException("This is the request link meant for the responder; opening the answer needs the private link (/r/…/answer).");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Which kind of request link <paramref name="text"/> is, or null when it is not a well-formed request link.</summary>
    public static RequestLinkKind? KindOf(string text)
    {
        try
        {
            var (kind, _, _, key) = Split(text);
            CryptographicOperations.ZeroMemory(key);
            return kind;
        }
        catch (DamagedLinkException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="text"/> has a request link's path (<c>/r/…</c>), well-formed or not.</summary>
    public static bool LooksLikeRequestLink(string? text)
    {
        if (text is null)
        {
            return false;
        }

        var s = text.Trim();
        var hash = s.IndexOf('#', StringComparison.Ordinal);
        return RequestPath().IsMatch(hash < 0 ? s : s[..hash]);
    }

    private static (RequestLinkKind Kind, string Server, string Id, byte[] Key) Split(string text)
    {
        if (text is null)
        {
            throw Damaged("it is empty");
        }

        var s = text.Trim();
        var hash = s.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0)
        {
            throw Damaged("the part after '#' is missing (was the link cut short?)");
        }

        var match = PathShape().Match(s[..hash]);
        if (!match.Success)
        {
            throw Damaged("it does not end in /r/{id} or /r/{id}/answer before the '#'");
        }

        if (s.Any(char.IsWhiteSpace))
        {
            throw Damaged("it contains a space or line break");
        }

        var server = match.Groups["server"].Value;
        if (!SecretLinks.IsValidServer(server))
        {
            throw Damaged("its server part is not a plain http:// or https:// address");
        }

        var fragment = s[(hash + 1)..];
        if (fragment.Length != KeyChars)
        {
            throw Damaged(fragment.Length < KeyChars ? "the part after '#' is too short (was the link cut short?)" : "the part after '#' is too long");
        }

        var id = match.Groups["id"].Value;
        if (!Base64UrlStrict.TryDecode(id, SecretFormat.IdSize, out _))
        {
            throw Damaged("its request id is not valid");
        }

        if (!Base64UrlStrict.TryDecode(fragment, RequestFormat.KeySize, out var key))
        {
            throw Damaged("the part after '#' is not valid");
        }

        var kind = match.Groups["answer"].Success ? RequestLinkKind.Private : RequestLinkKind.Send;
        return (kind, server, id, key);
    }

    private static DamagedLinkException Damaged(string why) => new($"The link is damaged: {why}.");

    [GeneratedRegex(@"^(?<server>.*)/r/(?<id>[A-Za-z0-9_-]{22})(?<answer>/answer)?$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex PathShape();

    [GeneratedRegex(@"^[hH][tT][tT][pP][sS]?://[^/?#@\s]+(/[^?#\s]*)?/r/[^/?#\s]*(/answer)?/?(\?[^#]*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RequestPath();
}
