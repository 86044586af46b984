using Parley.Protocol.Spqr;
using Parley.Protocol.Tests.Support;

namespace Parley.Protocol.Tests.Spqr;

/// <summary>
/// What the braid adds: after an attacker copies a party's whole SPQR state, the keys stay readable to
/// the copy only until the braid completes an epoch built on randomness the copy never saw (the next
/// ML-KEM key pair or encapsulation). The classical Double Ratchet heals too, but only against an
/// attacker who cannot break X25519; SPQR's keys salt every message key, so this is the healing a
/// quantum attacker faces.
/// </summary>
public sealed class PostCompromiseTests
{
    [Theory]
    [InlineData(60)]
    [InlineData(75)]
    [InlineData(90)]
    public void A_copied_state_loses_the_keys_once_the_braid_completes_an_epoch_after_the_copy(int roundsBefore)
    {
        var net = new BraidNetwork(roundsBefore);
        net.LockStep(roundsBefore);

        // The compromise: Alice's full state, through storage, as a copied device would hold it.
        var copy = SpqrStateCodec.Read(SpqrStateCodec.Write(net.Parties[0]).AsSpan());
        var attackerRandom = new DeterministicRandom("attacker"); // the copy cannot know Alice's future randomness
        var epochAtCopy = net.Parties[0].Epoch;
        int readable = 0, unreadable = 0;
        ulong? lockedOutAtEpoch = null;
        for (var i = 0; i < 200; i++)
        {
            net.Send(0);
            net.Deliver(0);
            copy = copy.Send(attackerRandom).State; // the copy runs on exactly as Alice does, with its own randomness
            var fromBob = net.Send(1);
            net.Deliver(1);

            bool derived;
            try
            {
                var received = copy.Receive(fromBob.Message);
                copy = received.State;
                derived = received.Key is not null && received.Key.AsSpan().SequenceEqual(fromBob.Key);
            }
            catch (ProtocolFailureException)
            {
                derived = false;
            }

            if (derived)
            {
                lockedOutAtEpoch.ShouldBeNull("a copy that lost the keys must never get them back");
                readable++;
            }
            else
            {
                lockedOutAtEpoch ??= net.Parties[0].Epoch;
                unreadable++;
            }
        }

        readable.ShouldBeGreaterThan(0); // the copy was complete: it read Bob until the braid moved on
        unreadable.ShouldBeGreaterThan(100);
        lockedOutAtEpoch!.Value.ShouldBeLessThanOrEqualTo(epochAtCopy + 2);
        net.Parties[0].Epoch.ShouldBeGreaterThan(epochAtCopy + 2);
    }
}
