using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Parley.Client.Secrets;

/// <summary>The two link shapes of docs/secret-format.md §4.</summary>
public enum SecretLinkKind
{
    /// <summary><c>{server}/s/{id}#{b64u(K)}</c>: opens the secret.</summary>
    Share,

    /// <summary><c>{server}/m/{id}#{manageToken}</c>: the creator's status and destroy link.</summary>
    Manage,
}

/// <summary>A link that does not have one of the two shapes. The message never repeats the link (it may hold a key).</summary>
public sealed class DamagedLinkException : FormatException
{
    public DamagedLinkException(string message)
        : base(message)
    {
    }

    public DamagedLinkException()
        : this("The link is damaged.")
    {
    }

    public DamagedLinkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A link whose fragment holds a 32-byte secret: the normalized server, a checked id, and the secret,
/// which is zeroed on dispose and never printed by <see cref="ToString"/>.
/// </summary>
public abstract class FragmentKeyLink : IDisposable
{
    private readonly byte[] _secret;
    private bool _disposed;

    private protected FragmentKeyLink(string server, string id, ReadOnlySpan<byte> secret, string what, string paramName)
    {
        Server = SecretLinks.NormalizeServer(server);
        Id = SecretLinks.RequireId(id);
        if (secret.Length != SecretFormat.KeySize)
        {
            throw new ArgumentException($"{what} must be {SecretFormat.KeySize} bytes.", paramName);
        }

        _secret = secret.ToArray();
    }

    /// <summary>The base address (scheme, host, port, optional path prefix), without a trailing '/'.</summary>
    public string Server { get; }

    public string Id { get; }

    /// <summary>The path after <see cref="Server"/>, e.g. <c>/s/{id}</c>.</summary>
    private protected abstract string Path { get; }

    private protected ReadOnlySpan<byte> Secret
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _secret;
        }
    }

    /// <summary>The link text: <c>{server}{path}#{b64u(secret)}</c>.</summary>
    public string Format() => $"{Server}{Path}#{Base64UrlStrict.Encode(Secret)}";

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            CryptographicOperations.ZeroMemory(_secret);
        }

        GC.SuppressFinalize(this);
    }

    public override string ToString() => $"{Server}{Path}#…";
}

/// <summary>A share link <c>{server}/s/{id}#{b64u(K)}</c>: server, secret id and the link key K.</summary>
public sealed class ShareLink(string server, string id, ReadOnlySpan<byte> key)
    : FragmentKeyLink(server, id, key, "The link key", nameof(key))
{
    /// <summary>K, the link key.</summary>
    public ReadOnlySpan<byte> Key => Secret;

    private protected override string Path => $"/s/{Id}";
}

/// <summary>A manage link: server, secret id and the manage token (a bearer credential; not printed by <see cref="ToString"/>).</summary>
public sealed class ManageLink
{
    public ManageLink(string server, string id, string manageToken)
    {
        Server = SecretLinks.NormalizeServer(server);
        Id = SecretLinks.RequireId(id);
        if (!Base64UrlStrict.TryDecode(manageToken, SecretFormat.ManageTokenSize, out _))
        {
            throw new ArgumentException("The manage token must be 32 bytes of base64url.", nameof(manageToken));
        }

        ManageToken = manageToken;
    }

    public string Server { get; }

    public string Id { get; }

    public string ManageToken { get; }

    /// <summary>The link text: <c>{server}/m/{id}#{manageToken}</c>.</summary>
    public string Format() => $"{Server}/m/{Id}#{ManageToken}";

    public override string ToString() => $"{Server}/m/{Id}#…";
}

/// <summary>Parsing and checks for share and manage links (docs/secret-format.md §4).</summary>
public static partial class SecretLinks
{
    private static readonly int IdChars = Base64UrlStrict.EncodedLength(SecretFormat.IdSize);
    private static readonly int SecretChars = Base64UrlStrict.EncodedLength(SecretFormat.KeySize);

    /// <summary>Parses a share link; throws <see cref="DamagedLinkException"/> for anything else (a manage link included).</summary>
    public static ShareLink ParseShare(string text)
    {
        var (kind, server, id, secret) = Split(text);
        if (kind != SecretLinkKind.Share)
        {
            throw new DamagedLinkException("This is a manage link (/m/…); opening a secret needs its share link (/s/…).");
        }

        var key = Base64UrlStrict.TryDecode(secret, SecretFormat.KeySize, out var k) ? k : throw Damaged("its key is not valid");
        try
        {
            return new ShareLink(server, id, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Parses a manage link; throws <see cref="DamagedLinkException"/> for anything else (a share link included).</summary>
    public static ManageLink ParseManage(string text)
    {
        var (kind, server, id, secret) = Split(text);
        if (kind != SecretLinkKind.Manage)
        {
            throw new DamagedLinkException("This is a share link (/s/…); status and destroy need the manage link (/m/…).");
        }

        return new ManageLink(server, id, secret);
    }

    /// <summary>Which kind of link <paramref name="text"/> is, or null when it is damaged.</summary>
    public static SecretLinkKind? KindOf(string text)
    {
        try
        {
            return Split(text).Kind;
        }
        catch (DamagedLinkException)
        {
            return null;
        }
    }

    /// <summary>Checks a server base address (http or https, host, optional port and path prefix) and drops a trailing '/'.</summary>
    public static string NormalizeServer(string server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var trimmed = server.EndsWith('/') ? server.TrimEnd('/') : server;
        return IsValidServer(trimmed) ? trimmed : throw new ArgumentException(
            "The server must be an http:// or https:// address with no query, fragment or user name.", nameof(server));
    }

    /// <summary>True when <paramref name="server"/> (already without a trailing '/') is a valid base address.</summary>
    public static bool IsValidServer(string server) =>
        !server.EndsWith('/')
        && ServerShape().IsMatch(server)
        && Uri.TryCreate(server, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && uri.Host.Length > 0
        && uri.UserInfo.Length == 0
        && uri.Query.Length == 0;

    internal static string RequireId(string id) =>
        id is not null && id.Length == IdChars && Base64UrlStrict.TryDecode(id, SecretFormat.IdSize, out _)
            ? id
            : throw new ArgumentException("A secret id is 16 bytes of base64url (22 characters).", nameof(id));

    private static (SecretLinkKind Kind, string Server, string Id, string Secret) Split(string text)
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
            throw Damaged("it does not end in /s/{id} or /m/{id} before the '#'");
        }

        if (s.Any(char.IsWhiteSpace))
        {
            throw Damaged("it contains a space or line break");
        }

        var server = match.Groups["server"].Value;
        if (!IsValidServer(server))
        {
            throw Damaged("its server part is not a plain http:// or https:// address");
        }

        var secret = s[(hash + 1)..];
        if (secret.Length != SecretChars)
        {
            throw Damaged(secret.Length < SecretChars ? "the part after '#' is too short (was the link cut short?)" : "the part after '#' is too long");
        }

        var id = match.Groups["id"].Value;
        if (!Base64UrlStrict.TryDecode(id, SecretFormat.IdSize, out _))
        {
            throw Damaged("its id is not valid");
        }

        if (!Base64UrlStrict.TryDecode(secret, SecretFormat.KeySize, out var secretBytes))
        {
            throw Damaged("the part after '#' is not valid");
        }

        CryptographicOperations.ZeroMemory(secretBytes);
        var kind = match.Groups["kind"].Value == "s" ? SecretLinkKind.Share : SecretLinkKind.Manage;
        return (kind, server, id, secret);
    }

    private static DamagedLinkException Damaged(string why) => new($"The link is damaged: {why}.");

    [GeneratedRegex(@"^(?<server>.*)/(?<kind>[sm])/(?<id>[A-Za-z0-9_-]{22})$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex PathShape();

    [GeneratedRegex(@"^[hH][tT][tT][pP][sS]?://[^/?#@\s]+(/[^?#\s]*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ServerShape();
}
