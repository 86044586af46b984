using Parley.Interop.Tests.Support;
using Parley.Protocol;
using Parley.Protocol.Spqr;
using Parley.Protocol.Tests.Support;
using Xunit.Sdk;

namespace Parley.Interop.Tests;

/// <summary>
/// Sessions that Parley's stage-1 code (before the braid) and libsignal 0.103 stored after talking to
/// each other (tests/vectors/stage1, <see cref="Stage1Fixtures"/>), read back by the current code and
/// by libsignal: the messages each side had sent but the other not yet read arrive late and decrypt,
/// then the session goes on over the hostile network in both directions. Parley's side stays a braid
/// frozen in epoch 1, as stage 1 was, and libsignal stays in epoch 1 with it.
/// </summary>
public sealed class SpqrStage1Tests(HarnessFixture fixture, ITestOutputHelper output)
{
    private const int MessagesEachWay = 300;

    [Fact]
    public void A_session_stage_one_parley_initiated_and_stored_continues_with_libsignal()
    {
        var (parley, libsignal, inFlight) = Restore("parley-initiated-with-libsignal.json");
        DeliverLate(parley, libsignal, inFlight);
        Run(new Conversation(parley, libsignal, seed: 11), parley, libsignal);
    }

    [Fact]
    public void A_session_libsignal_initiated_with_stage_one_parley_and_stored_continues_with_libsignal()
    {
        var (parley, libsignal, inFlight) = Restore("libsignal-initiated-with-parley.json");
        DeliverLate(parley, libsignal, inFlight);
        Run(new Conversation(libsignal, parley, seed: 12), parley, libsignal);
    }

    private (ParleyPeer Parley, LibsignalPeer Libsignal, IReadOnlyList<Stage1InFlight> InFlight) Restore(string file)
    {
        var stored = Stage1Fixtures.Load(file);
        var parley = new ParleyPeer(Stage1Fixtures.Address(stored["parley"]!), Stage1Fixtures.Identity(stored["parley"]!), Stage1Fixtures.RegistrationId(stored["parley"]!));
        Stage1Fixtures.Restore(stored["parley"]!, parley.Store);
        var libsignal = new LibsignalPeer(fixture.Harness, stored["libsignal"]!);
        parley.Store.LoadSession(libsignal.Address)!.Current!.Spqr.Braid.ShouldBeOfType<Stage1Braid>();
        return (parley, libsignal, Stage1Fixtures.InFlight(stored));
    }

    private static void DeliverLate(ParleyPeer parley, LibsignalPeer libsignal, IReadOnlyList<Stage1InFlight> inFlight)
    {
        inFlight.Select(m => m.From).Distinct().Order().ShouldBe(["libsignal", "parley"]);
        foreach (var message in inFlight)
        {
            var envelope = new Envelope(message.Type, message.Body, message.Plaintext);
            var outcome = message.From == "parley" ? libsignal.DecryptMany(parley, [envelope]).Single() : parley.DecryptMany(libsignal, [envelope]).Single();
            outcome.Plaintext.ShouldBe(message.Plaintext, $"{message.From}'s {message.Plaintext} sent before the upgrade");
        }
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
