using Parley.Interop.Tests.Support;
using Parley.Protocol;
using Parley.Protocol.Ratchet;
using Parley.Protocol.Tests.Support;
using Xunit.Sdk;

namespace Parley.Interop.Tests;

/// <summary>
/// A session Parley stored before the braid (stage 1's record format, <see cref="Stage1Records"/>)
/// goes on with a libsignal 0.103 peer in both initiation directions, over the hostile network: it
/// stays in SPQR epoch 1, as stage 1 did, and every message decrypts on both sides.
/// </summary>
public sealed class SpqrStage1Tests(HarnessFixture fixture, ITestOutputHelper output)
{
    private const int MessagesEachWay = 300;

    [Fact]
    public void A_stage_one_session_parley_initiated_continues_with_libsignal()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(fixture.Harness, fixture.UniqueName("libsignal"));
        parley.ProcessBundle(libsignal, libsignal.NewBundle()).ShouldBe(ProtocolFailure.None);
        ReloadAsStage1(parley, libsignal);
        Run(new Conversation(parley, libsignal, seed: 11), parley, libsignal);
    }

    [Fact]
    public void A_stage_one_session_libsignal_initiated_continues_with_libsignal_as_initiator()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(fixture.Harness, fixture.UniqueName("libsignal"));
        libsignal.ProcessBundle(parley, parley.NewBundle()).ShouldBe(ProtocolFailure.None);
        parley.DecryptMany(libsignal, libsignal.EncryptMany(parley, "first", 0, 1)).Single().Ok.ShouldBeTrue();
        ReloadAsStage1(parley, libsignal);
        Run(new Conversation(libsignal, parley, seed: 12), parley, libsignal);
    }

    private static void ReloadAsStage1(ParleyPeer parley, IPeer libsignal)
    {
        var stage1 = Stage1Records.Downgrade(parley.Store.LoadSession(libsignal.Address)!);
        parley.Store.StoreSession(libsignal.Address, SessionRecord.Deserialize(stage1));
    }

    private void Run(Conversation conversation, IPeer parley, IPeer libsignal)
    {
        conversation.Run(MessagesEachWay);
        output.WriteLine(conversation.ToString());
        if (conversation.Problems.Count > 0)
        {
            throw new XunitException(string.Join('\n', conversation.Problems.Take(10)));
        }

        (conversation.Decrypted(libsignal) + conversation.DroppedFrom(parley)).ShouldBe(conversation.Sent(parley));
        (conversation.Decrypted(parley) + conversation.DroppedFrom(libsignal)).ShouldBe(conversation.Sent(libsignal));
        parley.SpqrEpoch(libsignal).ShouldBe(1ul);
        libsignal.SpqrEpoch(parley).ShouldBe(1ul);
    }
}
