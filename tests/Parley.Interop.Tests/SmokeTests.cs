using Parley.Interop.Tests.Support;
using Parley.Protocol;
using Parley.Protocol.Wire;

namespace Parley.Interop.Tests;

public sealed class SmokeTests(HarnessFixture fixture)
{
    [Fact]
    public void Parley_initiates_and_libsignal_answers()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(fixture.Harness, fixture.UniqueName("libsignal"));
        parley.ProcessBundle(libsignal, libsignal.NewBundle()).ShouldBe(ProtocolFailure.None);
        var first = parley.EncryptMany(libsignal, "p", 0, 3);
        first.ShouldAllBeOfType(CiphertextMessageType.PreKey);
        libsignal.DecryptMany(parley, first).Select(o => o.ToString()).ShouldBe(["ok(p0)", "ok(p1)", "ok(p2)"]);
        var replies = libsignal.EncryptMany(parley, "l", 0, 3);
        parley.DecryptMany(libsignal, replies).Select(o => o.ToString()).ShouldBe(["ok(l0)", "ok(l1)", "ok(l2)"]);
        var more = parley.EncryptMany(libsignal, "q", 0, 2);
        more.ShouldAllBeOfType(CiphertextMessageType.Whisper);
        libsignal.DecryptMany(parley, more).Select(o => o.ToString()).ShouldBe(["ok(q0)", "ok(q1)"]);
    }

    [Fact]
    public void Libsignal_initiates_and_parley_answers()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(fixture.Harness, fixture.UniqueName("libsignal"));
        libsignal.ProcessBundle(parley, parley.NewBundle()).ShouldBe(ProtocolFailure.None);
        var first = libsignal.EncryptMany(parley, "l", 0, 3);
        first.ShouldAllBeOfType(CiphertextMessageType.PreKey);
        parley.DecryptMany(libsignal, first).Select(o => o.ToString()).ShouldBe(["ok(l0)", "ok(l1)", "ok(l2)"]);
        var replies = parley.EncryptMany(libsignal, "p", 0, 3);
        libsignal.DecryptMany(parley, replies).Select(o => o.ToString()).ShouldBe(["ok(p0)", "ok(p1)", "ok(p2)"]);
        var more = libsignal.EncryptMany(parley, "m", 0, 2);
        parley.DecryptMany(libsignal, more).Select(o => o.ToString()).ShouldBe(["ok(m0)", "ok(m1)"]);
    }

    public static TheoryData<string> Initiators => ["parley", "libsignal"];

    [Theory]
    [MemberData(nameof(Initiators))]
    public void Counters_and_previous_counters_follow_the_same_rule_on_both_sides(string initiatorKind)
    {
        // libsignal never reads previous_counter, so only comparing the bytes both sides write shows
        // that Parley's matches: the last index of the sending chain before the DH turn, saturating at 0.
        IPeer parley = new ParleyPeer(fixture.UniqueName("parley"));
        IPeer libsignal = new LibsignalPeer(fixture.Harness, fixture.UniqueName("libsignal"));
        var (a, b) = initiatorKind == "parley" ? (parley, libsignal) : (libsignal, parley);
        a.ProcessBundle(b, b.NewBundle()).ShouldBe(ProtocolFailure.None);

        var first = a.EncryptMany(b, "a", 0, 3);
        first.Select(Counters).ShouldBe([(0u, 0u), (1u, 0u), (2u, 0u)], $"{a}");
        b.ShouldRead(a, first);
        var replies = b.EncryptMany(a, "b", 0, 2);
        replies.Select(Counters).ShouldBe([(0u, 0u), (1u, 0u)], $"{b}");
        a.ShouldRead(b, replies);
        var next = a.EncryptMany(b, "c", 0, 1);
        next.Select(Counters).ShouldBe([(0u, 2u)], $"{a}");
        b.ShouldRead(a, next);
        b.EncryptMany(a, "d", 0, 1).Select(Counters).ShouldBe([(0u, 1u)], $"{b}");
    }

    private static (uint Counter, uint PreviousCounter) Counters(Envelope envelope)
    {
        SignalMessage? message;
        if (envelope.Type == CiphertextMessageType.PreKey)
        {
            PreKeySignalMessage.TryParse(envelope.Body, out var preKey, out _).ShouldBeTrue();
            message = preKey!.Message;
        }
        else
        {
            SignalMessage.TryParse(envelope.Body, out message, out _).ShouldBeTrue();
        }

        return (message!.Counter, message.PreviousCounter);
    }
}
