using Parley.Interop.Tests.Support;
using Parley.Protocol;
using Xunit.Sdk;

namespace Parley.Interop.Tests;

/// <summary>Parley against libsignal 0.103 over a network that reorders, drops, duplicates and delays.</summary>
public sealed class LongConversationTests(HarnessFixture fixture, ITestOutputHelper output)
{
    private const int MessagesEachWay = 1000;

    [Fact]
    public void Parley_initiated_session_with_libsignal_survives_a_thousand_messages_each_way_over_a_hostile_network()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(fixture.Harness, fixture.UniqueName("libsignal"));
        parley.ProcessBundle(libsignal, libsignal.NewBundle()).ShouldBe(ProtocolFailure.None);
        RunAndCheck(new Conversation(parley, libsignal, seed: 1), parley, libsignal);
    }

    [Fact]
    public void Libsignal_initiated_session_with_parley_survives_a_thousand_messages_each_way_over_a_hostile_network()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(fixture.Harness, fixture.UniqueName("libsignal"));
        libsignal.ProcessBundle(parley, parley.NewBundle()).ShouldBe(ProtocolFailure.None);
        RunAndCheck(new Conversation(libsignal, parley, seed: 2), parley, libsignal);
    }

    private void RunAndCheck(Conversation conversation, IPeer parley, IPeer libsignal)
    {
        conversation.Run(MessagesEachWay);
        output.WriteLine(conversation.ToString());
        output.WriteLine($"SPQR epochs: Parley {parley.SpqrEpoch(libsignal)}, libsignal {libsignal.SpqrEpoch(parley)}");
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
    }
}
