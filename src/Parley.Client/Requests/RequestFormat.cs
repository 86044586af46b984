using System.Security.Cryptography;
using System.Text;
using Parley.Client.Secrets;
using Parley.Crypto;

namespace Parley.Client.Requests;

/// <summary>
/// Request-a-secret format v1 (docs/request-format.md): the requester's token, and the X25519
/// agreement that gives the answer's link key K. After K, the answer is an ordinary v1 secret
/// (<see cref="SecretKeys"/>). Callers zero the byte arrays they get back when done with them.
/// </summary>
public static class RequestFormat
{
    public const int KeySize = 32;

    private static readonly byte[] Label = Encoding.ASCII.GetBytes("parley/request/v1");
    private static readonly byte[] TokenInfo = Encoding.ASCII.GetBytes("token");
    private static readonly byte[] SendTokenInfo = Encoding.ASCII.GetBytes("send-token");
    private static readonly byte[] LinkKeyInfo = Encoding.ASCII.GetBytes("link-key");

    /// <summary><c>A = X25519(a, 9)</c>.</summary>
    public static byte[] PublicKeyOf(ReadOnlySpan<byte> requesterPrivate)
    {
        CheckSize(requesterPrivate, nameof(requesterPrivate));
        using var key = Curve25519PrivateKey.Import(requesterPrivate);
        return key.PublicKey.RawBytes.ToArray();
    }

    /// <summary><c>RT = HKDF(a, "parley/request/v1", "token", 32)</c>, of the private key as written in the link.</summary>
    public static byte[] RequestToken(ReadOnlySpan<byte> requesterPrivate)
    {
        CheckSize(requesterPrivate, nameof(requesterPrivate));
        return HkdfSha256.DeriveKey(requesterPrivate, Label, TokenInfo, KeySize);
    }

    /// <summary><c>ST = HKDF(A, "parley/request/v1", "send-token", 32)</c>: proves to the server that the caller holds the send link.</summary>
    public static byte[] SendToken(ReadOnlySpan<byte> requesterPublic)
    {
        CheckSize(requesterPublic, nameof(requesterPublic));
        return HkdfSha256.DeriveKey(requesterPublic, Label, SendTokenInfo, KeySize);
    }

    /// <summary>The responder's side: <c>E</c> and <c>K</c> from a fresh (or given) ephemeral key.</summary>
    /// <exception cref="SecretFormatException">The requester's public key has low order.</exception>
    public static (byte[] EphemeralPublic, byte[] LinkKey) Respond(ReadOnlySpan<byte> requesterPublic, ReadOnlySpan<byte> ephemeralPrivate = default)
    {
        CheckSize(requesterPublic, nameof(requesterPublic));
        using var e = ephemeralPrivate.IsEmpty ? Curve25519PrivateKey.Generate() : Curve25519PrivateKey.Import(ephemeralPrivate);
        var ephemeralPublic = e.PublicKey.RawBytes.ToArray();
        return (ephemeralPublic, LinkKey(e, requesterPublic, ephemeralPublic, requesterPublic));
    }

    /// <summary>The requester's side: <c>K</c> from its private key and the answer's <c>E</c>.</summary>
    /// <exception cref="SecretFormatException">The ephemeral public key has low order.</exception>
    public static byte[] RequesterLinkKey(ReadOnlySpan<byte> requesterPrivate, ReadOnlySpan<byte> ephemeralPublic)
    {
        CheckSize(requesterPrivate, nameof(requesterPrivate));
        CheckSize(ephemeralPublic, nameof(ephemeralPublic));
        using var a = Curve25519PrivateKey.Import(requesterPrivate);
        return LinkKey(a, ephemeralPublic, ephemeralPublic, a.PublicKey.RawBytes);
    }

    private static byte[] LinkKey(Curve25519PrivateKey mine, ReadOnlySpan<byte> theirs, ReadOnlySpan<byte> ephemeralPublic, ReadOnlySpan<byte> requesterPublic)
    {
        Span<byte> z = stackalloc byte[KeySize];
        Span<byte> info = stackalloc byte[LinkKeyInfo.Length + (2 * KeySize)];
        try
        {
            if (!mine.TryAgree(Curve25519PublicKey.FromRawBytes(theirs), z))
            {
                throw new SecretFormatException(SecretFormatError.Malformed, "The public key in the request link is not usable.");
            }

            LinkKeyInfo.CopyTo(info);
            ephemeralPublic.CopyTo(info[LinkKeyInfo.Length..]);
            requesterPublic.CopyTo(info[(LinkKeyInfo.Length + KeySize)..]);
            return HkdfSha256.DeriveKey(z, Label, info, KeySize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(z);
        }
    }

    private static void CheckSize(ReadOnlySpan<byte> key, string name)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"X25519 keys are {KeySize} bytes.", name);
        }
    }
}
