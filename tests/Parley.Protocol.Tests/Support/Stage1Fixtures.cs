using System.Text.Json.Nodes;
using Parley.Crypto;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;
using Parley.Protocol.Storage;
using Parley.Protocol.Wire;
using Parley.Testing;

namespace Parley.Protocol.Tests.Support;

/// <summary>A message one party of a fixture encrypted and the other had not read when it was stored.</summary>
internal sealed record Stage1InFlight(string From, CiphertextMessageType Type, byte[] Body, string Plaintext);

/// <summary>
/// Stores written by Parley's stage-1 code itself, before the braid (tests/vectors/stage1; its README
/// says how): each party's identity, registration id, session records and peers' identities, and the
/// messages still in flight. <see cref="Restore"/> hands the stored bytes to the current code.
/// </summary>
internal static class Stage1Fixtures
{
    public static JsonNode Load(string file) =>
        JsonNode.Parse(File.ReadAllText(RepoPaths.Combine("tests", "vectors", "stage1", file)))!;

    public static ProtocolAddress Address(JsonNode party) =>
        new(party["name"]!.GetValue<string>(), party["deviceId"]!.GetValue<uint>());

    public static IdentityKeyPair Identity(JsonNode party) =>
        new(Curve25519PrivateKey.Import(Bytes(party["identityPrivateKey"])));

    public static uint RegistrationId(JsonNode party) => party["registrationId"]!.GetValue<uint>();

    /// <summary>Puts the party's session records and peers' identities into <paramref name="store"/>, read by the current code.</summary>
    public static void Restore(JsonNode party, InMemoryProtocolStore store)
    {
        foreach (var session in party["sessions"]!.AsArray())
        {
            store.StoreSession(ParseAddress(session!["address"]!.GetValue<string>()), SessionRecord.Deserialize(Bytes(session["record"])));
        }

        foreach (var identity in party["identities"]!.AsArray())
        {
            store.SaveIdentity(ParseAddress(identity!["address"]!.GetValue<string>()), Curve25519PublicKey.Decode(Bytes(identity["key"])));
        }
    }

    public static IReadOnlyList<Stage1InFlight> InFlight(JsonNode fixture) =>
        fixture["inFlight"]!.AsArray().Select(m => new Stage1InFlight(
            m!["from"]!.GetValue<string>(),
            (CiphertextMessageType)m["type"]!.GetValue<int>(),
            Bytes(m["body"]),
            m["plaintext"]!.GetValue<string>())).ToList();

    private static ProtocolAddress ParseAddress(string text)
    {
        var dot = text.LastIndexOf('.');
        return new ProtocolAddress(text[..dot], uint.Parse(text[(dot + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static byte[] Bytes(JsonNode? node) => Convert.FromBase64String(node!.GetValue<string>());
}
