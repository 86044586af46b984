using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Parley.Messaging.Tests.Support;

namespace Parley.Messaging.Tests;

/// <summary>
/// <c>parley.envelopes.expired</c>, the one series the scrape test cannot wait for (a time to live is at
/// least a minute): on fake time, envelopes swept at the end of theirs are counted by this server's meter.
/// </summary>
public sealed class EnvelopeExpiryMetricTests
{
    [Fact]
    public async Task Envelopes_swept_at_the_end_of_their_time_to_live_count_as_expired()
    {
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions { Settings = MessagingServer.Defaults() });
        // The factory hands out one meter per name, so this is the server's own (other test servers have theirs).
        var meter = server.Services.GetRequiredService<IMeterFactory>().Create("Parley.Messaging");
        long expired = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "parley.envelopes.expired")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref expired, value));
        listener.Start();

        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await alice.Api.SendAsync(bob.Name, 2, [1]);
        await alice.Api.SendAsync(bob.Name, 2, [2]);
        await server.MessagingSweeper().SweepOnceAsync();
        Interlocked.Read(ref expired).ShouldBe(0, "nothing has expired yet");

        server.Time!.Advance(TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1));
        await server.MessagingSweeper().SweepOnceAsync(); // the sweeper's timer may have run first: either counts
        Interlocked.Read(ref expired).ShouldBe(2);
    }
}
