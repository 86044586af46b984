using Parley.Protocol.Spqr;
using Parley.Protocol.Tests.Support;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Tests.Spqr;

/// <summary>
/// Garbage in the <c>pq_ratchet</c> field and in stored SPQR state: a clean refusal (a protocol
/// failure, or a <see cref="FormatException"/> from the stored-state decoder), never another exception,
/// and the state that was given stays exactly as it was.
/// </summary>
public sealed class SpqrDecoderFuzzTests
{
    [Fact]
    public void Garbage_pq_ratchet_bytes_are_refused_cleanly_and_leave_the_state_as_it_was()
    {
        var net = new BraidNetwork(21);
        net.LockStep(60);
        var random = new Random(21);
        var samples = new List<byte[]>();
        for (var i = 0; i < 40; i++)
        {
            samples.Add(net.Send(i % 2).Message); // real messages of both sides, never delivered
        }

        foreach (var party in net.Parties)
        {
            var before = SpqrStateCodec.Write(party).ToArray();
            foreach (var input in Inputs(samples, random, party.Epoch))
            {
                try
                {
                    party.Receive(input);
                }
                catch (ProtocolFailureException)
                {
                }

                SpqrStateCodec.Write(party).ToArray().ShouldBe(before);
            }
        }
    }

    [Fact]
    public void Signal_messages_with_garbage_in_pq_ratchet_fail_cleanly_and_leave_the_stored_session_as_it_was()
    {
        // Mid-braid (Bob holds chunk decoders and a header), Alice's next messages with field 5
        // replaced by garbage or by other real SPQR messages; the MAC no longer matches, but SPQR runs
        // before it (libsignal's order), so its decoder sees every variant first.
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        for (var i = 0; i < 25; i++)
        {
            bob.ReceiveText(alice, alice.Send(bob, $"a{i}"));
            alice.ReceiveText(bob, bob.Send(alice, $"b{i}"));
        }

        var pending = Enumerable.Range(0, 3).Select(i => alice.Send(bob, $"p{i}")).ToList();
        var parsed = pending.Select(m => SignalMessage.Parse(m.Serialized)).ToList();
        var samples = parsed.Select(m => m.PqRatchet).Concat(Enumerable.Range(0, 5).Select(i => bob.Send(alice, $"q{i}")).Select(m => SignalMessage.Parse(m.Serialized).PqRatchet)).ToList();
        var before = bob.Snapshot();
        var tried = 0;
        foreach (var input in Inputs(samples, new Random(23), bob.Store.LoadSession(alice.Address)!.Current!.Spqr.Epoch))
        {
            var message = parsed[tried++ % parsed.Count];
            var result = bob.Cipher.Decrypt(alice.Address, CiphertextMessageType.Whisper, WithPqRatchet(message, input));
            result.Failure.ShouldBe(ProtocolFailure.InvalidMessage);
            bob.Snapshot().ShouldBe(before);
        }

        tried.ShouldBeGreaterThan(2_000);
        foreach (var (message, i) in pending.Select((m, i) => (m, i)))
        {
            bob.ReceiveText(alice, message).ShouldBe($"p{i}"); // the session still works
        }
    }

    [Fact]
    public void Mutated_stored_state_loads_or_is_refused_with_a_format_error_and_the_loaded_state_never_throws()
    {
        var net = new BraidNetwork(22);
        net.LockStep(50);
        var random = new Random(22);
        var message = net.Send(1).Message;
        foreach (var party in net.Parties)
        {
            var stored = SpqrStateCodec.Write(party).ToArray();
            for (var i = 0; i < 3_000; i++)
            {
                var mutated = stored.ToArray();
                switch (i % 3)
                {
                    case 0:
                        mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1:
                        mutated = mutated[..random.Next(mutated.Length)];
                        break;
                    default:
                        mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                        mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                        break;
                }

                SpqrState loaded;
                try
                {
                    loaded = SpqrStateCodec.Read(mutated);
                }
                catch (FormatException)
                {
                    continue;
                }

                Use(() => loaded.Send(new DeterministicRandom("use")));
                Use(() => loaded.Receive(message));
            }
        }
    }

    /// <summary>The message with field 5 (<c>pq_ratchet</c>) replaced, everything else and the old MAC kept.</summary>
    private static byte[] WithPqRatchet(SignalMessage message, byte[] pqRatchet)
    {
        var writer = new ProtoWriter(message.Serialized.Length + pqRatchet.Length);
        writer.WriteRawByte(message.Serialized[0]);
        writer.WriteBytes(1, message.SenderRatchetKey.Serialize());
        writer.WriteUInt(2, message.Counter);
        writer.WriteUInt(3, message.PreviousCounter);
        writer.WriteBytes(4, message.Ciphertext);
        writer.WriteBytes(5, pqRatchet);
        if (message.Addresses is { } addresses)
        {
            writer.WriteBytes(6, addresses);
        }

        writer.WriteRaw(message.Serialized.AsSpan(message.Serialized.Length - SignalMessage.MacLength));
        return writer.ToArray();
    }

    private static void Use(Action action)
    {
        try
        {
            action();
        }
        catch (ProtocolFailureException)
        {
        }
    }

    private static IEnumerable<byte[]> Inputs(List<byte[]> samples, Random random, ulong epoch)
    {
        yield return [];
        yield return [0x00];
        yield return [0x02, 0x01, 0x01, 0x00];
        yield return [0x01];
        yield return [0x01, 0x00, 0x01, 0x00];
        foreach (var type in new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 0xFF })
        {
            foreach (var e in new[] { epoch - 1, epoch, epoch + 1, epoch + 2, ulong.MaxValue })
            {
                var chunk = new byte[32];
                random.NextBytes(chunk);
                yield return [.. Varints(0x01, e, 1 + (ulong)random.Next(5000)), type, 0xFF, 0xFF, 0x03, .. chunk];
                yield return [.. Varints(0x01, e, 0), type, (byte)random.Next(80), .. chunk];
            }
        }

        for (var i = 0; i < 2_000; i++)
        {
            var sample = samples[random.Next(samples.Count)].ToArray();
            switch (i % 4)
            {
                case 0:
                    sample[random.Next(sample.Length)] ^= (byte)(1 << random.Next(8));
                    yield return sample;
                    break;
                case 1:
                    yield return sample[..random.Next(sample.Length)];
                    break;
                case 2:
                    yield return [.. sample, (byte)random.Next(256)];
                    break;
                default:
                    var noise = new byte[random.Next(64)];
                    random.NextBytes(noise);
                    yield return noise;
                    break;
            }
        }
    }

    private static byte[] Varints(byte version, ulong epoch, ulong index)
    {
        var bytes = new List<byte> { version };
        foreach (var value in new[] { epoch, index })
        {
            var v = value;
            while (v >= 0x80)
            {
                bytes.Add((byte)(v | 0x80));
                v >>= 7;
            }

            bytes.Add((byte)v);
        }

        return [.. bytes];
    }
}
