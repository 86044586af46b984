using Parley.Protocol.Spqr;
using Parley.Protocol.Tests.Support;

namespace Parley.Protocol.Tests.Spqr;

/// <summary>
/// The braid between two Parley parties: epochs over random delivery schedules with equal keys on
/// both sides (the lock-step transcript is in <see cref="SpqrKnownAnswerTests"/>), and spqr's
/// version-negotiation matrix (spqr <c>lib.rs</c> tests).
/// </summary>
public sealed class SpqrBraidTests
{
    private static readonly byte[] AuthKey = Enumerable.Repeat((byte)41, 32).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_schedules_with_loss_reordering_and_repeats_give_both_sides_the_same_keys(int seed)
    {
        var net = new BraidNetwork(seed) { DropRate = 0.1, RepeatRate = 0.05, Window = 4 };
        var random = new Random(seed * 7);
        for (var step = 0; step < 1_500; step++)
        {
            var side = random.Next(2);
            switch (random.Next(4))
            {
                case 0:
                case 1:
                    for (var burst = random.Next(1, 8); burst > 0; burst--)
                    {
                        net.Send(side);
                    }

                    break;
                default:
                    net.Deliver(side, random.Next(1, 8));
                    break;
            }
        }

        net.Delivered.ShouldBeGreaterThan(1_000);
        Math.Min(net.Parties[0].Epoch, net.Parties[1].Epoch).ShouldBeGreaterThanOrEqualTo(5ul);
        ((long)net.Parties[0].Epoch - (long)net.Parties[1].Epoch).ShouldBeInRange(-1, 1);
    }

    [Fact]
    public void A_peer_that_never_answers_leaves_the_braid_in_epoch_one_with_keys_flowing()
    {
        var net = new BraidNetwork(9);
        for (var i = 0; i < 300; i++)
        {
            net.Send(0);
        }

        net.Deliver(0);
        net.Parties[0].Epoch.ShouldBe(1ul);
        net.Parties[1].Braid.ShouldBeOfType<HeaderReceived>();
    }

    [Fact]
    public void Version_one_with_minimum_one_refuses_version_zero_while_negotiating_and_after()
    {
        // spqr negotiation_refused_*: min_version V1 gives MinimumVersion, then VersionMismatch.
        var bob = SpqrState.Create(AuthKey, SpqrDirection.B2A, false);
        Should.Throw<ProtocolFailureException>(() => bob.Receive([])).Message.ShouldContain("minimum version");
        Should.Throw<ProtocolFailureException>(() => bob.Receive([0x00, 0x01]));
        bob.Receive([0x02, 0x01, 0x01, 0x00]).Key.ShouldBeNull(); // a version from the future: no key, no error
        var alice = SpqrState.Create(AuthKey, SpqrDirection.A2B, false);
        var sent = alice.Send(new DeterministicRandom("n"));
        var received = bob.Receive(sent.Message);
        received.Key.ShouldBe(sent.Key);
        received.State.Negotiating.ShouldBeFalse();
        Should.Throw<ProtocolFailureException>(() => received.State.Receive([])).Message.ShouldContain("version mismatch");
    }

    [Fact]
    public void Minimum_version_zero_negotiates_down_when_the_peer_speaks_version_zero()
    {
        // spqr negotiate_to_v0_*: a V1 party with min V0 meeting a V0 peer turns SPQR off, no keys.
        var random = new DeterministicRandom("v0");
        var alice = SpqrState.Create(AuthKey, SpqrDirection.A2B, SpqrState.DefaultMaxJump, SpqrState.Version1, SpqrState.Version0);
        var bob = SpqrState.Create(AuthKey, SpqrDirection.B2A, SpqrState.DefaultMaxJump, SpqrState.Version0, SpqrState.Version0);
        var fromAlice = alice.Send(random);
        fromAlice.Key.ShouldBeNull(); // min V0: no chain until the first receive, index 0
        fromAlice.Message[2].ShouldBe((byte)0);
        var atBob = bob.Receive(fromAlice.Message);
        atBob.Key.ShouldBeNull();
        var fromBob = atBob.State.Send(random);
        fromBob.Message.ShouldBeEmpty();
        var atAlice = fromAlice.State.Receive(fromBob.Message);
        atAlice.Key.ShouldBeNull();
        atAlice.State.Version.ShouldBe(SpqrState.Version0);
        atAlice.State.Send(random).Message.ShouldBeEmpty();
    }

    [Fact]
    public void Minimum_version_zero_still_runs_the_braid_with_a_version_one_peer()
    {
        var random = new DeterministicRandom("v1-min0");
        var a = SpqrState.Create(AuthKey, SpqrDirection.A2B, SpqrState.DefaultMaxJump, SpqrState.Version1, SpqrState.Version0);
        var b = SpqrState.Create(AuthKey, SpqrDirection.B2A, SpqrState.DefaultMaxJump, SpqrState.Version1, SpqrState.Version0);
        for (var i = 0; i < 120; i++)
        {
            var s = a.Send(random);
            var r = b.Receive(s.Message);
            r.Key.ShouldBe(s.Key);
            a = s.State;
            b = r.State;
            var t = b.Send(random);
            var u = a.Receive(t.Message);
            u.Key.ShouldBe(t.Key);
            b = t.State;
            a = u.State;
        }

        a.Epoch.ShouldBeGreaterThanOrEqualTo(2ul);
        b.Chain.ShouldNotBeNull();
        b.AuthKey.ShouldBeNull();
    }
}
