using System.Text;
using Parley.Interop.Tests.Support;
using Parley.Protocol;
using Parley.Protocol.Wire;
using Parley.Testing;
using Xunit.Sdk;

namespace Parley.Interop.Tests;

/// <summary>
/// Parley's wire decoders accept exactly the inputs libsignal's accept, and read the same values from
/// them: real messages from both sides, mutated at random (changed, inserted and cut bytes) and with
/// crafted protobuf oddities (unknown fields of every wire type, groups, overlong varints, field
/// numbers at and past protobuf's limit, wrong wire types, duplicate fields, huge lengths, version
/// bytes), each parsed by both.
/// </summary>
public sealed class WireParserParityTests(HarnessFixture fixture, ITestOutputHelper output)
{
    private NodeHarness Node => fixture.Harness;

    [Fact]
    public void Signal_messages_parse_alike_on_both_sides()
    {
        var (fromParley, fromLibsignal) = OneToOneMessages();
        Compare("signal", [.. fromParley.Where(e => e.Type == CiphertextMessageType.Whisper).Select(e => e.Body), .. fromLibsignal.Select(e => e.Body)],
            SignalMessage.MacLength, ParseSignal);
    }

    [Fact]
    public void Prekey_signal_messages_parse_alike_on_both_sides()
    {
        var (fromParley, _) = OneToOneMessages();
        var libsignal = new LibsignalPeer(Node, fixture.UniqueName("libsignal"));
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        libsignal.ProcessBundle(parley, parley.NewBundle(oneTime: false)).ShouldBe(ProtocolFailure.None);
        var theirs = libsignal.EncryptMany(parley, "pk", 0, 1);
        Compare("prekey", [.. fromParley.Where(e => e.Type == CiphertextMessageType.PreKey).Select(e => e.Body), .. theirs.Select(e => e.Body)],
            0, bytes => PreKeySignalMessage.TryParse(bytes, out var m, out var f)
                ? (true, $"v{m!.MessageVersion} r{m.RegistrationId} p{m.PreKeyId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} s{m.SignedPreKeyId}", f)
                : (false, "", f));
    }

    [Fact]
    public void Sender_key_messages_and_distribution_messages_parse_alike_on_both_sides()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var sender = fixture.UniqueName("sender");
        Node.Call("party.create", new { name = sender });
        var distributionId = Guid.NewGuid();
        var ourSkdm = parley.Groups.CreateDistributionMessage(parley.Address, distributionId).Serialized;
        var ourMessage = parley.Groups.Encrypt(parley.Address, distributionId, "group"u8).Value;
        var theirSkdm = NodeHarness.Bytes(Node.Call("group.createDistribution", new { name = sender, distributionId })["message"]);
        var theirMessage = NodeHarness.Bytes(Node.Call("group.encryptMany", new { name = sender, distributionId, prefix = "g", count = 1 })["messages"]![0]);

        Compare("senderKey", [ourMessage, theirMessage], SenderKeyMessage.SignatureLength, bytes => SenderKeyMessage.TryParse(bytes, out var m, out var f)
            ? (true, $"c{m!.ChainId} i{m.Iteration} d{m.DistributionId:D} {Convert.ToHexStringLower(m.Ciphertext)}", f)
            : (false, "", f));
        Compare("distribution", [ourSkdm, theirSkdm], 0, bytes => SenderKeyDistributionMessage.TryParse(bytes, out var m, out var f)
            ? (true, $"c{m!.ChainId} i{m.Iteration} d{m.DistributionId:D} {Convert.ToHexStringLower(m.ChainKey)}", f)
            : (false, "", f));
    }

    private static (bool Ok, string Summary, ProtocolFailure Failure) ParseSignal(byte[] bytes) =>
        SignalMessage.TryParse(bytes, out var m, out var f)
            ? (true, $"v{m!.MessageVersion} c{m.Counter} pq{Convert.ToHexStringLower(m.PqRatchet)} {Convert.ToHexStringLower(m.Ciphertext)}", f)
            : (false, "", f);

    /// <summary>PreKey messages from Parley and Whisper messages from both sides.</summary>
    private (IReadOnlyList<Envelope> FromParley, IReadOnlyList<Envelope> FromLibsignal) OneToOneMessages()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(Node, fixture.UniqueName("libsignal"));
        parley.ProcessBundle(libsignal, libsignal.NewBundle()).ShouldBe(ProtocolFailure.None);
        var first = parley.EncryptMany(libsignal, "p", 0, 1);
        libsignal.ShouldRead(parley, first);
        var replies = libsignal.EncryptMany(parley, "l", 0, 2);
        parley.ShouldRead(libsignal, replies);
        var whisper = parley.EncryptMany(libsignal, "w", 0, 1);
        return ([.. first, .. whisper], replies);
    }

    private void Compare(string kind, IReadOnlyList<byte[]> seeds, int tailLength, Func<byte[], (bool Ok, string Summary, ProtocolFailure Failure)> parley)
    {
        var inputs = WireMutations.Of(seeds, tailLength, new Random(kind.Length * 7919)).ToList();
        var theirs = Node.Call("wire.parse", new { kind, messages = inputs.Select(i => NodeHarness.B64(i)).ToArray() })["results"]!.AsArray();
        var problems = new StringBuilder();
        int accepted = 0, refused = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            var ours = parley(inputs[i]);
            var their = theirs[i]!;
            var theirSummary = their["parsed"]?.ToString();
            var theirFailure = their["error"] is { } e ? Failure(e["code"]!.ToString(), e["message"]!.ToString()) : ProtocolFailure.None;
            var agree = ours.Ok
                ? theirSummary == ours.Summary
                : theirSummary is null && (theirFailure == ours.Failure || !IsVersionFailure(theirFailure) && !IsVersionFailure(ours.Failure));
            if (!agree && problems.Length < 6000)
            {
                problems.AppendLine(CultureInfoInvariant($"{Convert.ToHexStringLower(inputs[i])}: Parley {(ours.Ok ? ours.Summary : ours.Failure.ToString())}, libsignal {theirSummary ?? their["error"]!.ToJsonString()}"));
            }

            if (ours.Ok)
            {
                accepted++;
            }
            else
            {
                refused++;
            }
        }

        output.WriteLine($"{kind}: {inputs.Count} inputs, {accepted} accepted, {refused} refused");
        if (problems.Length > 0)
        {
            throw new XunitException($"{kind}: Parley and libsignal disagree:\n{problems}");
        }

        accepted.ShouldBeGreaterThan(inputs.Count / 20, "the corpus should contain inputs both accept");
        refused.ShouldBeGreaterThan(inputs.Count / 5, "the corpus should contain inputs both refuse");
    }

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);

    private static bool IsVersionFailure(ProtocolFailure f) => f is ProtocolFailure.LegacyMessageVersion or ProtocolFailure.UnrecognizedMessageVersion;

    private static ProtocolFailure Failure(string code, string message) =>
        message.Contains("unrecognized", StringComparison.OrdinalIgnoreCase) ? ProtocolFailure.UnrecognizedMessageVersion
        : message.Contains("too old", StringComparison.OrdinalIgnoreCase) ? ProtocolFailure.LegacyMessageVersion
        : code == "InvalidKey" ? ProtocolFailure.InvalidKey
        : ProtocolFailure.InvalidMessage;
}
