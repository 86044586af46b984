using Parley.Server.Features.Messaging;

namespace Parley.Messaging.Tests;

/// <summary>
/// The keep-alive decision for one socket at one tick (interval 15 s, timeout 30 s): silence is measured from
/// the last bytes read, a ping waits for any answer, and a call that is still running is never silence (the
/// loop reads nothing meanwhile). The whole path, a real silent socket dropped, is in <see cref="HalfOpenSocketTests"/>.
/// </summary>
public sealed class RelayKeepAliveTests
{
    private const long Interval = 15_000;
    private const long Timeout = 30_000;

    [Theory]
    [InlineData(false, 100_000, 0, 114_999, (int)KeepAliveAction.None)]   // heard 14.999 s ago
    [InlineData(false, 100_000, 0, 115_000, (int)KeepAliveAction.Ping)]   // silent for the interval
    [InlineData(false, 100_000, 115_000, 144_999, (int)KeepAliveAction.None)] // pinged, still within the timeout
    [InlineData(false, 100_000, 115_000, 145_000, (int)KeepAliveAction.Drop)] // the ping went unanswered
    [InlineData(true, 100_000, 0, 500_000, (int)KeepAliveAction.None)]    // a call has run for minutes: not silence
    [InlineData(true, 100_000, 115_000, 500_000, (int)KeepAliveAction.None)]
    public void Silence_gets_a_ping_then_a_drop_but_a_running_call_is_not_silence(bool running, long heardAt, long pingedAt, long now, int expected) =>
        RelaySocket.KeepAliveStep(running, heardAt, pingedAt, now, Interval, Timeout).ShouldBe((KeepAliveAction)expected);
}
