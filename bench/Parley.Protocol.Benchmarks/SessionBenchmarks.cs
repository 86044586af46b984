using BenchmarkDotNet.Attributes;
using Parley.Protocol;
using Parley.Protocol.Keys;
using Parley.Protocol.Storage;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Benchmarks;

/// <summary>
/// The three figures of issue 4, for Parley: steady-state encrypt+decrypt pairs of a 100-byte
/// message, ping-pong pairs (a DH ratchet step every message), and session establishments (a new
/// initiator identity runs PQXDH on a last-resort bundle, encrypts the first message, the responder
/// decrypts the PreKeySignalMessage). tests/interop/bench.mjs measures libsignal 0.103 the same way.
/// </summary>
[MemoryDiagnoser]
public class SessionBenchmarks
{
    private static readonly byte[] Message = new byte[100];

    private Device _alice = null!;
    private Device _bob = null!;
    private bool _aliceSends;
    private PreKeyBundle _lastResortBundle = null!;
    private int _initiators;

    [GlobalSetup]
    public void Setup()
    {
        _alice = new Device("alice");
        _bob = new Device("bob");
        _alice.Cipher.ProcessPreKeyBundle(_bob.Address, _bob.NewBundle());
        Roundtrip(_alice, _bob);
        Roundtrip(_bob, _alice);
        _lastResortBundle = _bob.NewBundle(oneTime: false, lastResort: true);
    }

    /// <summary>One message one way: Alice encrypts, Bob decrypts; no DH ratchet step.</summary>
    [Benchmark]
    public byte[] Steady_state_pair() => Roundtrip(_alice, _bob);

    /// <summary>One message, alternating direction each time: every decrypt takes a DH ratchet step.</summary>
    [Benchmark]
    public byte[] Ping_pong_pair()
    {
        _aliceSends = !_aliceSends;
        return _aliceSends ? Roundtrip(_alice, _bob) : Roundtrip(_bob, _alice);
    }

    /// <summary>A new initiator runs PQXDH on Bob's last-resort bundle and encrypts; Bob decrypts the PreKeySignalMessage.</summary>
    [Benchmark]
    public byte[] Session_establishment()
    {
        var initiator = new Device($"initiator-{++_initiators}");
        initiator.Cipher.ProcessPreKeyBundle(_bob.Address, _lastResortBundle);
        return Roundtrip(initiator, _bob);
    }

    private static byte[] Roundtrip(Device from, Device to)
    {
        var message = from.Cipher.Encrypt(to.Address, Message).Value;
        return to.Cipher.Decrypt(from.Address, message).Value;
    }
}
