using Parley.Interop.Tests.Support;
using Parley.Protocol;
using Xunit.Sdk;

namespace Parley.Interop.Tests;

/// <summary>
/// Parley against libsignal 0.103 over a network that reorders, drops, duplicates and delays, with the
/// SPQR braid running on both sides: every delivered message must decrypt exactly once (so both sides
/// derived the same message keys, SPQR's included: libsignal checks Parley's MACs and Parley reads
/// libsignal's messages), and both sides must have traversed at least <see cref="MinimumEpochs"/> braid
/// epochs and agree on the epoch to within one (the braid's roles are one step apart at most).
/// </summary>
public sealed class LongConversationTests(HarnessFixture fixture, ITestOutputHelper output)
{
    private const int MessagesEachWay = 1000;
    private const ulong MinimumEpochs = 10;

    [Fact]
    public void Parley_initiated_session_with_libsignal_survives_a_thousand_bursty_messages_each_way_over_a_hostile_network()
    {
        var (parley, libsignal) = ParleyInitiates();
        RunAndCheck(new Conversation(parley, libsignal, seed: 1), parley, libsignal);
    }

    [Fact]
    public void Libsignal_initiated_session_with_parley_survives_a_thousand_bursty_messages_each_way_over_a_hostile_network()
    {
        var (parley, libsignal) = LibsignalInitiates();
        RunAndCheck(new Conversation(libsignal, parley, seed: 2), parley, libsignal);
    }

    [Fact]
    public void Parley_initiated_session_with_libsignal_survives_a_thousand_lock_step_messages_each_way_over_a_hostile_network()
    {
        var (parley, libsignal) = ParleyInitiates();
        RunAndCheck(new Conversation(parley, libsignal, seed: 3) { LockStep = true }, parley, libsignal);
    }

    [Fact]
    public void Libsignal_initiated_session_with_parley_survives_a_thousand_lock_step_messages_each_way_over_a_hostile_network()
    {
        var (parley, libsignal) = LibsignalInitiates();
        RunAndCheck(new Conversation(libsignal, parley, seed: 4) { LockStep = true }, parley, libsignal);
    }

    private (ParleyPeer Parley, LibsignalPeer Libsignal) ParleyInitiates()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(fixture.Harness, fixture.UniqueName("libsignal"));
        parley.ProcessBundle(libsignal, libsignal.NewBundle()).ShouldBe(ProtocolFailure.None);
        return (parley, libsignal);
    }

    private (ParleyPeer Parley, LibsignalPeer Libsignal) LibsignalInitiates()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(fixture.Harness, fixture.UniqueName("libsignal"));
        libsignal.ProcessBundle(parley, parley.NewBundle()).ShouldBe(ProtocolFailure.None);
        return (parley, libsignal);
    }

    private void RunAndCheck(Conversation conversation, IPeer parley, IPeer libsignal)
    {
        conversation.Run(MessagesEachWay);
        var parleyEpoch = parley.SpqrEpoch(libsignal);
        var libsignalEpoch = libsignal.SpqrEpoch(parley);
        output.WriteLine(conversation.ToString());
        output.WriteLine($"SPQR epochs reached: Parley {parleyEpoch}, libsignal {libsignalEpoch}");
        if (conversation.Problems.Count > 0)
        {
            throw new XunitException(string.Join('\n', conversation.Problems.Take(10)) + $"\n({conversation.Problems.Count} problems) {conversation}");
        }

        conversation.Sent(parley).ShouldBeGreaterThanOrEqualTo(MessagesEachWay);
        conversation.Sent(libsignal).ShouldBeGreaterThanOrEqualTo(MessagesEachWay);
        // every message not lost on the way was read exactly once, in both directions
        (conversation.Decrypted(libsignal) + conversation.DroppedFrom(parley)).ShouldBe(conversation.Sent(parley));
        (conversation.Decrypted(parley) + conversation.DroppedFrom(libsignal)).ShouldBe(conversation.Sent(libsignal));
        conversation.Turns.ShouldBeGreaterThan(100);
        conversation.DuplicatesRefused.ShouldBeGreaterThan(50);
        conversation.LateDelivered.ShouldBeGreaterThan(50);
        parleyEpoch.ShouldBeGreaterThanOrEqualTo(MinimumEpochs);
        libsignalEpoch.ShouldBeGreaterThanOrEqualTo(MinimumEpochs);
        ((long)parleyEpoch - (long)libsignalEpoch).ShouldBeInRange(-1, 1);
    }
}
