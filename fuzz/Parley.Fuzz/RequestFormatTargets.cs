using Parley.Client.Requests;
using Parley.Client.Secrets;

namespace Parley.Fuzz;

/// <summary>
/// The request format (docs/request-format.md): request links, refused with
/// <see cref="DamagedLinkException"/>, and the key agreement on a public key taken from a link or an
/// answer, refused with <see cref="SecretFormatException"/>.
/// </summary>
internal static class RequestFormatTargets
{
    public static IEnumerable<FuzzTarget> All() =>
    [
        new("request-links", "RequestLinks.ParseSend / ParsePrivate / KindOf", Links),
        new("request-format", "RequestFormat.Respond / RequesterLinkKey", KeyAgreement),
    ];

    private static void Links(ReadOnlySpan<byte> input)
    {
        var text = Refusals.Text(input);
        Refusals.Allow<DamagedLinkException>(() => RequestLinks.ParseSend(text));
        Refusals.Allow<DamagedLinkException>(() => RequestLinks.ParsePrivate(text));
        RequestLinks.KindOf(text);
        RequestLinks.LooksLikeRequestLink(text);
    }

    private static void KeyAgreement(ReadOnlySpan<byte> input)
    {
        // Links and answers carry exactly 32 bytes (their parsers check that); other lengths are programming errors.
        var key = new byte[RequestFormat.KeySize];
        input[..Math.Min(input.Length, key.Length)].CopyTo(key);
        Refusals.Allow<SecretFormatException>(() => RequestFormat.Respond(key, FuzzKeys.RequesterPrivate));
        Refusals.Allow<SecretFormatException>(() => RequestFormat.RequesterLinkKey(FuzzKeys.RequesterPrivate, key));
    }
}
