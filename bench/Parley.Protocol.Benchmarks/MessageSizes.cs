using System.Text.Json;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Benchmarks;

/// <summary>
/// Bytes on the wire per message, beside the speed figures: the mean serialized SignalMessage and the
/// mean SPQR <c>pq_ratchet</c> field over a steady-state run (one direction) and a ping-pong run
/// (alternating), each long enough for the braid to go through many epochs. tests/interop/bench.mjs
/// measures libsignal the same way. Printed as one JSON object (<c>--sizes</c>).
/// </summary>
internal static class MessageSizes
{
    public const int Messages = 2_000;

    public static void Print()
    {
        var alice = new Device("alice");
        var bob = new Device("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle());
        Exchange(alice, bob);
        Exchange(bob, alice);
        var steady = Measure(i => (alice, bob));
        var pingPong = Measure(i => i % 2 == 0 ? (alice, bob) : (bob, alice));
        Console.WriteLine(JsonSerializer.Serialize(new { steady, pingPong }));
    }

    private static object Measure(Func<int, (Device From, Device To)> schedule)
    {
        long total = 0, spqr = 0;
        for (var i = 0; i < Messages; i++)
        {
            var (from, to) = schedule(i);
            var message = Exchange(from, to);
            SignalMessage.TryParse(message, out var parsed, out _);
            total += message.Length;
            spqr += parsed!.PqRatchet.Length;
        }

        return new { messageBytes = (double)total / Messages, pqRatchetBytes = (double)spqr / Messages };
    }

    private static byte[] Exchange(Device from, Device to)
    {
        var message = from.Cipher.Encrypt(to.Address, new byte[100]).Value;
        if (!to.Cipher.Decrypt(from.Address, message).IsSuccess)
        {
            throw new InvalidOperationException("decryption failed");
        }

        return message.Serialized;
    }
}
