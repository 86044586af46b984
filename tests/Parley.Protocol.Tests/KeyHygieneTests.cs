using Parley.Protocol.Keys;
using Parley.Protocol.Tests.Support;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Tests;

public sealed class KeyHygieneTests
{
    [Fact]
    public void Protocol_objects_print_no_key_material()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        var bundle = bob.NewBundle();
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bundle).IsSuccess.ShouldBeTrue();
        var first = alice.Send(bob, "hello");
        var (preKey, signedPreKey, kyberPreKey) = (bob.Store.LoadPreKey(1)!, bob.Store.LoadSignedPreKey(1)!, bob.Store.LoadKyberPreKey(1)!);
        var decrypted = bob.Receive(alice, first);
        var group = Guid.NewGuid();
        var distribution = alice.Groups.CreateDistributionMessage(alice.Address, group);

        var aliceRecord = alice.Store.LoadSession(bob.Address)!;
        var state = aliceRecord.Current!;
        var secrets = new List<byte[]>
        {
            Export(alice.Identity.PrivateKey),
            Export(preKey.KeyPair),
            Export(signedPreKey.KeyPair),
            Export(state.Sender!.RatchetKey),
            state.RootKey,
            state.Sender.ChainKey,
            state.ReceiverChains[0].ChainKey,
            distribution.ChainKey,
        };
        var braid = (Parley.Protocol.Spqr.KeysSampled)state.Spqr.Braid!;
        var dk = new byte[braid.DecapsulationKey.Length];
        braid.DecapsulationKey.Export(dk);
        secrets.Add(dk);
        secrets.Add(braid.Auth.RootKey.ToArray());
        secrets.Add(braid.Auth.MacKey.ToArray());
        secrets.Add(state.Spqr.Chain!.NextRoot);
        var kyber = new byte[3169];
        kyberPreKey.KeyPair.SecretKey.Export(kyber);
        secrets.Add(kyber[1..]);

        object?[] objects =
        [
            alice.Identity, aliceRecord, state, state.Sender, state.ReceiverChains[0], state.Pending, state.Spqr,
            braid, braid.Auth, braid.DecapsulationKey, state.Spqr.Chain, state.Spqr.Chain.Links[0],
            preKey, signedPreKey, kyberPreKey, bundle,
            first, decrypted, distribution, alice.Store.LoadSenderKey(alice.Address, group),
            alice.Groups.Encrypt(alice.Address, group, "x"u8),
        ];
        foreach (var o in objects)
        {
            var text = o?.ToString() ?? "";
            foreach (var secret in secrets)
            {
                text.ShouldNotContain(Convert.ToHexStringLower(secret.AsSpan(0, 8)), Case.Insensitive, $"{o?.GetType().Name} shows key material");
                text.ShouldNotContain(Convert.ToBase64String(secret.AsSpan(0, 9)), Case.Sensitive, $"{o?.GetType().Name} shows key material");
            }
        }
    }

    private static byte[] Export(Parley.Crypto.Curve25519PrivateKey key)
    {
        var raw = new byte[32];
        key.Export(raw);
        return raw;
    }
}
