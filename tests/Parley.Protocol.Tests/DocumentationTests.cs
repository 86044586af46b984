using System.Text;
using Parley.Protocol.Fingerprints;
using Parley.Protocol.Keys;
using Parley.Protocol.Storage;
using Parley.Testing;

namespace Parley.Protocol.Tests;

/// <summary>docs/protocol.md stays true: its example runs, its emoji table is the code's.</summary>
public sealed class DocumentationTests
{
    private static string ProtocolDoc => File.ReadAllText(RepoPaths.Combine("docs", "protocol.md"));

    [Fact]
    public void The_documented_example_runs()
    {
        // The "Using it" example of docs/protocol.md, verbatim apart from the assertions.
        var alice = new InMemoryProtocolStore(IdentityKeyPair.Generate(), registrationId: 1);
        var bob = new InMemoryProtocolStore(IdentityKeyPair.Generate(), registrationId: 2);
        var aliceAddress = new ProtocolAddress("alice", 1);
        var bobAddress = new ProtocolAddress("bob", 1);

        var identity = bob.GetIdentityKeyPair();
        var signed = SignedPreKeyRecord.Generate(1, identity, timestamp: 0);
        var kyber = KyberPreKeyRecord.Generate(1, identity, timestamp: 0);
        bob.StoreSignedPreKey(1, signed);
        bob.StoreKyberPreKey(1, kyber);
        var bundle = new PreKeyBundle(2, 1, null, null, 1, signed.PublicKey, signed.Signature,
            identity.PublicKey, 1, kyber.PublicKey, kyber.Signature);

        var aliceCipher = new SessionCipher(alice, aliceAddress);
        var bobCipher = new SessionCipher(bob, bobAddress);
        aliceCipher.ProcessPreKeyBundle(bobAddress, bundle).IsSuccess.ShouldBeTrue();
        var message = aliceCipher.Encrypt(bobAddress, "hello"u8).Value;
        var plaintext = bobCipher.Decrypt(aliceAddress, message);
        Encoding.UTF8.GetString(plaintext.Value).ShouldBe("hello");

        ProtocolDoc.ShouldContain("aliceCipher.ProcessPreKeyBundle(bobAddress, bundle);");
        ProtocolDoc.ShouldContain("var plaintext = bobCipher.Decrypt(aliceAddress, message);");
    }

    [Fact]
    public void The_documented_emoji_table_is_the_one_the_code_uses()
    {
        var doc = ProtocolDoc;
        for (var i = 0; i < SafetyNumberEmoji.Table.Count; i++)
        {
            var (emoji, name) = SafetyNumberEmoji.Table[i];
            doc.ShouldContain($"| {i} {emoji} {name} |");
        }
    }
}
