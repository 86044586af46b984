using Parley.Crypto;

namespace Parley.Protocol.Spqr;

/// <summary>
/// A session stored by Parley's stage 1 (before the braid): stage 1 kept the chain but not the PQXDH
/// auth key, and the braid's authenticator is made from that key, so such a session cannot start the
/// braid. It goes on as stage 1 did: type None at epoch 1, the peer's braid messages of epoch 1
/// accepted and ignored (a libsignal peer then stays in epoch 1 too), keys from chain epoch 0. A new
/// session (a new PQXDH) gets the braid.
/// </summary>
internal sealed class Stage1Braid() : BraidState(1, new Authenticator(new byte[Authenticator.KeySize], new byte[Authenticator.KeySize]))
{
    public override BraidKind Kind => BraidKind.Stage1;

    public override BraidSend Send(IRandomSource random) => Emit(this, SpqrPayload.None);
}
