using Parley.Protocol.Spqr;

namespace Parley.Protocol.Tests.Spqr;

/// <summary>SPQR's chain over epochs (spqr <c>chain.rs</c> and its tests, as properties).</summary>
public sealed class SpqrChainTests
{
    private static readonly byte[] AuthKey = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void Both_directions_match_in_every_epoch_in_and_out_of_order()
    {
        var a = SpqrChain.Create(AuthKey, SpqrDirection.A2B);
        var b = SpqrChain.Create(AuthKey, SpqrDirection.B2A);
        var random = new Random(3);
        for (ulong epoch = 0; epoch < 4; epoch++)
        {
            if (epoch > 0)
            {
                var secret = new byte[32];
                random.NextBytes(secret);
                a.AddEpoch(epoch, secret);
                b.AddEpoch(epoch, secret);
            }

            var sent = Enumerable.Range(0, 12).Select(_ => a.SendKey(epoch)).ToList();
            sent[0].Index.ShouldBe(1u); // indices start at 1
            foreach (var (index, key) in sent.OrderBy(_ => random.Next()))
            {
                b.ReceiveKey(epoch, index, 25_000, 2_000).ShouldBe(key);
            }

            var reply = b.SendKey(epoch);
            a.ReceiveKey(epoch, reply.Index, 25_000, 2_000).ShouldBe(reply.Key);
            reply.Key.ShouldNotBe(sent[0].Key); // each direction has its own chain
        }
    }

    [Fact]
    public void Sending_never_goes_back_and_old_epochs_are_dropped_when_sending_moves_on()
    {
        var a = SpqrChain.Create(AuthKey, SpqrDirection.A2B);
        var b = SpqrChain.Create(AuthKey, SpqrDirection.B2A);
        var old = a.SendKey(0);
        for (ulong epoch = 1; epoch <= 2; epoch++)
        {
            a.AddEpoch(epoch, [(byte)epoch]);
            b.AddEpoch(epoch, [(byte)epoch]);
        }

        b.SendKey(2); // b's sending moved to epoch 2: epoch 1 stays, epoch 0 goes
        b.Links.Count.ShouldBe(2);
        b.Links[0].Send.Next.IsEmpty.ShouldBeTrue(); // and epoch 1's sending secret is wiped
        Should.Throw<ProtocolFailureException>(() => b.ReceiveKey(0, old.Index, 25_000, 2_000)).Failure.ShouldBe(ProtocolFailure.InvalidMessage);
        Should.Throw<ProtocolFailureException>(() => b.SendKey(1)).Failure.ShouldBe(ProtocolFailure.InvalidState);
        Should.Throw<ProtocolFailureException>(() => b.ReceiveKey(3, 1, 25_000, 2_000)).Failure.ShouldBe(ProtocolFailure.InvalidMessage);
        b.ReceiveKey(1, a.SendKey(1).Index, 25_000, 2_000).ShouldNotBeNull();
        Should.Throw<ProtocolFailureException>(() => a.AddEpoch(5, [5])).Failure.ShouldBe(ProtocolFailure.InvalidState);
    }

    [Fact]
    public void A_key_is_handed_out_once_and_the_window_and_jump_limits_hold()
    {
        var b = SpqrChain.Create(AuthKey, SpqrDirection.B2A);
        Should.Throw<ProtocolFailureException>(() => b.ReceiveKey(0, 25_001, 25_000, 2_000));
        b.ReceiveKey(0, 25_000, 25_000, 2_000).ShouldNotBeNull();
        Should.Throw<ProtocolFailureException>(() => b.ReceiveKey(0, 25_000, 25_000, 2_000)); // already requested
        Should.Throw<ProtocolFailureException>(() => b.ReceiveKey(0, 22_999, 25_000, 2_000)); // trimmed: older than the window
        b.ReceiveKey(0, 23_000, 25_000, 2_000).ShouldNotBeNull();
        Should.Throw<ProtocolFailureException>(() => b.ReceiveKey(0, 23_000, 25_000, 2_000));
        SpqrChain.Create(AuthKey, SpqrDirection.B2A).ReceiveKey(0, 30_000, uint.MaxValue, 2_000).ShouldNotBeNull(); // a self session
    }

    [Fact]
    public void Chain_start_uses_the_two_space_label_and_the_a2b_b2a_split()
    {
        // spqr chain.rs: HKDF(salt 0^32, authKey, "Signal PQ Ratchet V1 Chain  Start", 96) = nextRoot ‖ A2B ‖ B2A,
        // then key 1 = HKDF(salt 0^32, next, BE32(1) ‖ "Signal PQ Ratchet V1 Chain Next", 64)[32..64].
        var okm = System.Security.Cryptography.HKDF.DeriveKey(System.Security.Cryptography.HashAlgorithmName.SHA256, AuthKey, 96, new byte[32], "Signal PQ Ratchet V1 Chain  Start"u8.ToArray());
        var a = SpqrChain.Create(AuthKey, SpqrDirection.A2B);
        a.NextRoot.ShouldBe(okm[..32]);
        var step = System.Security.Cryptography.HKDF.DeriveKey(System.Security.Cryptography.HashAlgorithmName.SHA256, okm[32..64], 64, new byte[32], [0, 0, 0, 1, .. "Signal PQ Ratchet V1 Chain Next"u8]);
        a.SendKey(0).Key.ShouldBe(step[32..]);
        SpqrChain.Create(AuthKey, SpqrDirection.B2A).SendKey(0).Key.ShouldNotBe(step[32..]);
    }
}
