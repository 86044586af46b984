using Parley.Crypto;
using Parley.Protocol.Fingerprints;
using Parley.Protocol.Groups;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;
using Parley.Protocol.Tests.Support;
using Parley.Protocol.Wire;
using Parley.Testing;
using Xunit.Sdk;

namespace Parley.Protocol.Tests;

/// <summary>
/// Every decoder, fed mutated and crafted variants of real input (<see cref="WireMutations"/>): no
/// exception escapes but the documented one, and an operation that fails leaves every store exactly
/// as it was (a mutation may still succeed where libsignal's would too, e.g. a changed registration
/// id, which the MAC does not cover).
/// </summary>
public sealed class DecoderFuzzTests
{
    [Fact]
    public void Mutated_prekey_messages_fail_cleanly_and_change_no_store()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        var first = alice.Send(bob, "first").Serialized;
        // The unchanged message is left out, so that Bob's PQXDH path (not a session it made) sees the variants.
        Check(bob, [first], 0, input => bob.Cipher.Decrypt(alice.Address, CiphertextMessageType.PreKey, input).Failure, skipSeeds: true);
    }

    [Fact]
    public void Mutated_signal_messages_fail_cleanly_and_change_no_store()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        bob.ReceiveText(alice, alice.Send(bob, "hello"));
        alice.ReceiveText(bob, bob.Send(alice, "hi"));
        var pending = Enumerable.Range(0, 3).Select(i => alice.Send(bob, $"m{i}").Serialized).ToList();
        Check(bob, pending, SignalMessage.MacLength, input => bob.Cipher.Decrypt(alice.Address, CiphertextMessageType.Whisper, input).Failure);
    }

    [Fact]
    public void Mutated_group_messages_fail_cleanly_and_change_no_store()
    {
        var group = Guid.Parse("f00df00d-0000-4000-8000-000000000001");
        var sender = new Party("sender");
        var member = new Party("member");
        var distribution = sender.Groups.CreateDistributionMessage(sender.Address, group).Serialized;
        member.Groups.ProcessDistributionMessage(sender.Address, distribution).IsSuccess.ShouldBeTrue();
        var messages = Enumerable.Range(0, 2).Select(i => sender.Groups.Encrypt(sender.Address, group, [(byte)i]).Value).ToList();
        Check(member, messages, SenderKeyMessage.SignatureLength, input => member.Groups.Decrypt(sender.Address, input).Failure);

        var newcomer = new Party("newcomer");
        Check(newcomer, [distribution], 0, input => newcomer.Groups.ProcessDistributionMessage(sender.Address, input).Failure);
    }

    [Fact]
    public void Mutated_scannable_safety_numbers_never_throw()
    {
        using var a = Curve25519PrivateKey.Generate(new DeterministicRandom("scan a"));
        using var b = Curve25519PrivateKey.Generate(new DeterministicRandom("scan b"));
        var ours = SafetyNumber.Create(2, 2, "a"u8, a.PublicKey, "b"u8, b.PublicKey);
        var theirs = SafetyNumber.Create(2, 2, "b"u8, b.PublicKey, "a"u8, a.PublicKey);
        var results = WireMutations.Of([theirs.Scannable()], 0, new Random(11)).Select(input => ours.CompareScannable(input)).ToList();
        results[0].ShouldBe(ScanResult.Match);
        results.ShouldContain(ScanResult.Unreadable);
        results.ShouldContain(ScanResult.Mismatch);
    }

    [Fact]
    public void Mutated_stored_records_are_refused_only_with_format_exceptions()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        bob.ReceiveText(alice, alice.Send(bob, "hello"));
        var skipped = Enumerable.Range(0, 3).Select(i => bob.Send(alice, $"s{i}")).ToList();
        alice.ReceiveText(bob, skipped[^1]);
        var group = Guid.NewGuid();
        bob.Groups.CreateDistributionMessage(bob.Address, group);
        bob.Groups.Encrypt(bob.Address, group, "x"u8);

        var random = new DeterministicRandom("records");
        var identity = IdentityKeyPair.Generate(random);
        var decoders = new (string Name, byte[] Seed, Action<byte[]> Decode)[]
        {
            ("session", alice.Store.LoadSession(bob.Address)!.Serialize(), b => UseSession(alice, bob, SessionRecord.Deserialize(b), skipped[0])),
            ("sender key", bob.Store.LoadSenderKey(bob.Address, group)!.Serialize(), b => SenderKeyRecord.Deserialize(b)),
            ("prekey", PreKeyRecord.Generate(1, random).Serialize(), b => PreKeyRecord.Deserialize(b)),
            ("signed prekey", SignedPreKeyRecord.Generate(2, identity, 5, random).Serialize(), b => SignedPreKeyRecord.Deserialize(b)),
            ("kyber prekey", KyberPreKeyRecord.Generate(3, identity, 5, random).Serialize(), b => KyberPreKeyRecord.Deserialize(b)),
        };
        foreach (var (name, seed, decode) in decoders)
        {
            int refused = 0, total = 0;
            foreach (var input in WireMutations.Of([seed], 0, new Random(name.Length)))
            {
                total++;
                try
                {
                    decode(input);
                }
                catch (FormatException)
                {
                    refused++;
                }
                catch (Exception e)
                {
                    throw new XunitException($"{name} record {Convert.ToHexStringLower(input)} threw {e.GetType().Name}: {e.Message}");
                }
            }

            refused.ShouldBeGreaterThan(total / 10, name);
        }
    }

    [Fact]
    public void Stored_pending_prekey_time_outside_the_calendar_is_a_format_error()
    {
        // The time is only read when encrypting; a value DateTimeOffset cannot hold would throw there.
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        var record = alice.Store.LoadSession(bob.Address)!.Copy();
        var state = record.Current!.Clone();
        state.Pending = state.Pending! with { TimestampSeconds = ulong.MaxValue };
        record.SetCurrent(state);
        Should.Throw<FormatException>(() => SessionRecord.Deserialize(record.Serialize()));
    }

    /// <summary>A record that decoded is used: every outcome must be a result, never an exception.</summary>
    private static void UseSession(Party owner, Party peer, SessionRecord record, CiphertextMessage fromPeer)
    {
        owner.Store.StoreSession(peer.Address, record);
        _ = record.HasUsableSenderChain(owner.Time.GetUtcNow());
        _ = record.IsAwaitingFirstReply;
        _ = owner.Cipher.Encrypt(peer.Address, "x"u8);
        _ = owner.Cipher.Decrypt(peer.Address, fromPeer);
        _ = owner.Cipher.Encrypt(peer.Address, "y"u8);
    }

    /// <summary>Runs <paramref name="operation"/> on every variant of the seeds; a failure must leave <paramref name="party"/>'s stores as they were.</summary>
    private static void Check(Party party, IReadOnlyList<byte[]> seeds, int tailLength, Func<byte[], ProtocolFailure> operation, bool skipSeeds = false)
    {
        var failures = new Dictionary<ProtocolFailure, int>();
        foreach (var input in WireMutations.Of(seeds, tailLength, new Random(seeds[0].Length)))
        {
            if (skipSeeds && seeds.Any(s => s.AsSpan().SequenceEqual(input)))
            {
                continue;
            }

            var before = party.Snapshot();
            ProtocolFailure failure;
            try
            {
                failure = operation(input);
            }
            catch (Exception e)
            {
                throw new XunitException($"input {Convert.ToHexStringLower(input)} threw {e.GetType().Name}: {e.Message}");
            }

            if (failure != ProtocolFailure.None)
            {
                failures[failure] = failures.GetValueOrDefault(failure) + 1;
                if (party.Snapshot() != before)
                {
                    throw new XunitException($"input {Convert.ToHexStringLower(input)} failed with {failure} but changed the stores");
                }
            }
        }

        failures.Values.Sum().ShouldBeGreaterThan(100);
    }
}
