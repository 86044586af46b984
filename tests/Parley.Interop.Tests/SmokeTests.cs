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
        first.ShouldAllBe(e => e.Type == CiphertextMessageType.PreKey);
        libsignal.DecryptMany(parley, first).Select(o => o.ToString()).ShouldBe(["ok(p0)", "ok(p1)", "ok(p2)"]);
        var replies = libsignal.EncryptMany(parley, "l", 0, 3);
        parley.DecryptMany(libsignal, replies).Select(o => o.ToString()).ShouldBe(["ok(l0)", "ok(l1)", "ok(l2)"]);
        var more = parley.EncryptMany(libsignal, "q", 0, 2);
        more.ShouldAllBe(e => e.Type == CiphertextMessageType.Whisper);
        libsignal.DecryptMany(parley, more).Select(o => o.ToString()).ShouldBe(["ok(q0)", "ok(q1)"]);
    }

    [Fact]
    public void Libsignal_initiates_and_parley_answers()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(fixture.Harness, fixture.UniqueName("libsignal"));
        libsignal.ProcessBundle(parley, parley.NewBundle()).ShouldBe(ProtocolFailure.None);
        var first = libsignal.EncryptMany(parley, "l", 0, 3);
        first.ShouldAllBe(e => e.Type == CiphertextMessageType.PreKey);
        parley.DecryptMany(libsignal, first).Select(o => o.ToString()).ShouldBe(["ok(l0)", "ok(l1)", "ok(l2)"]);
        var replies = parley.EncryptMany(libsignal, "p", 0, 3);
        libsignal.DecryptMany(parley, replies).Select(o => o.ToString()).ShouldBe(["ok(p0)", "ok(p1)", "ok(p2)"]);
        var more = libsignal.EncryptMany(parley, "m", 0, 2);
        parley.DecryptMany(libsignal, more).Select(o => o.ToString()).ShouldBe(["ok(m0)", "ok(m1)"]);
    }
}
