using Parley.Contracts.Messaging;
using Parley.Crypto;
using Parley.Crypto.Kem;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Decoding and checking of the public keys and signatures clients upload. Stored keys are exactly
/// libsignal's serialized forms: Curve25519 <c>0x05 ‖ 32</c> (no trailing bytes), Kyber1024
/// <c>0x08 ‖ 1568</c> with valid coefficients; every signature is XEdDSA by the identity key over
/// the serialized key.
/// </summary>
internal static class KeyChecks
{
    public const int SignatureBytes = XEdDsa.SignatureSize;
    public const int KyberKeyBytes = 1569;
    public const int MaxRegistrationId = 16380; // libsignal: 14 bits, 0 unused

    /// <summary>Collects the first problem found; later checks are skipped once one failed.</summary>
    public sealed class Verdict
    {
        public Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Problem { get; private set; }

        public bool Failed => Problem is not null;

        public void Fail(Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem) => Problem ??= problem;
    }

    public static byte[]? Curve(string? text, string member, Verdict verdict)
    {
        if (verdict.Failed)
        {
            return null;
        }

        var bytes = text is null ? null : Base64Url.TryDecode(text, Curve25519PublicKey.SerializedSize);
        if (bytes is null || bytes.Length != Curve25519PublicKey.SerializedSize || !Curve25519PublicKey.TryDecode(bytes, out _))
        {
            verdict.Fail(MessagingProblems.InvalidKey(member, "must be a Curve25519 public key: 0x05 and 32 bytes, base64url"));
            return null;
        }

        return bytes;
    }

    public static byte[]? Kyber(string? text, string member, Verdict verdict)
    {
        if (verdict.Failed)
        {
            return null;
        }

        var bytes = text is null ? null : Base64Url.TryDecode(text, KyberKeyBytes);
        if (bytes is null || !KemPublicKey.TryDecode(bytes, out _))
        {
            verdict.Fail(MessagingProblems.InvalidKey(member, "must be a Kyber1024 public key: 0x08 and 1568 bytes, base64url"));
            return null;
        }

        return bytes;
    }

    public static byte[]? Signature(Curve25519PublicKey identity, byte[]? signedBytes, string? text, string member, Verdict verdict)
    {
        if (verdict.Failed || signedBytes is null)
        {
            return null;
        }

        var signature = text is null ? null : Base64Url.TryDecode(text, SignatureBytes);
        if (signature is null || signature.Length != SignatureBytes)
        {
            verdict.Fail(MessagingProblems.Invalid(member, "must be a 64-byte signature, base64url"));
            return null;
        }

        if (!XEdDsa.Verify(identity, signedBytes, signature))
        {
            verdict.Fail(MessagingProblems.BadSignature(member));
            return null;
        }

        return signature;
    }

    public static StoredPreKey? SignedCurve(Curve25519PublicKey identity, SignedPreKey? key, string member, Verdict verdict)
    {
        if (key is null)
        {
            verdict.Fail(MessagingProblems.Invalid(member, "is required"));
            return null;
        }

        var pk = Curve(key.PublicKey, member + ".publicKey", verdict);
        var sig = Signature(identity, pk, key.Signature, member + ".signature", verdict);
        return verdict.Failed ? null : new StoredPreKey(key.Id, pk!, sig);
    }

    public static StoredPreKey? SignedKyber(Curve25519PublicKey identity, SignedPreKey? key, string member, Verdict verdict)
    {
        if (key is null)
        {
            verdict.Fail(MessagingProblems.Invalid(member, "is required"));
            return null;
        }

        var pk = Kyber(key.PublicKey, member + ".publicKey", verdict);
        var sig = Signature(identity, pk, key.Signature, member + ".signature", verdict);
        return verdict.Failed ? null : new StoredPreKey(key.Id, pk!, sig);
    }

    /// <summary>Checks a batch of one-time keys: at most <paramref name="max"/>, distinct ids, each key and signature valid.</summary>
    public static List<StoredPreKey> Batch<T>(IReadOnlyList<T>? keys, int max, string member, Verdict verdict, Func<T, int, StoredPreKey?> check)
    {
        var result = new List<StoredPreKey>();
        if (keys is null || verdict.Failed)
        {
            return result;
        }

        if (keys.Count > max)
        {
            verdict.Fail(MessagingProblems.Invalid(member, $"must hold at most {max} keys"));
            return result;
        }

        var ids = new HashSet<uint>();
        for (var i = 0; i < keys.Count && !verdict.Failed; i++)
        {
            if (keys[i] is null)
            {
                verdict.Fail(MessagingProblems.Invalid($"{member}[{i}]", "must be an object"));
                break;
            }

            var key = check(keys[i], i);
            if (key is not null && !ids.Add(key.Id))
            {
                verdict.Fail(MessagingProblems.Invalid($"{member}[{i}].id", "repeats an id of this batch"));
            }
            else if (key is not null)
            {
                result.Add(key);
            }
        }

        return result;
    }

    public static List<StoredPreKey> OneTimeCurves(IReadOnlyList<OneTimePreKey>? keys, int max, Verdict verdict) =>
        Batch(keys, max, "preKeys", verdict, (k, i) =>
        {
            var pk = Curve(k.PublicKey, $"preKeys[{i}].publicKey", verdict);
            return pk is null ? null : new StoredPreKey(k.Id, pk, null);
        });

    public static List<StoredPreKey> OneTimeKybers(Curve25519PublicKey identity, IReadOnlyList<SignedPreKey>? keys, int max, Verdict verdict) =>
        Batch(keys, max, "kyberPreKeys", verdict, (k, i) => SignedKyber(identity, k, $"kyberPreKeys[{i}]", verdict));
}
