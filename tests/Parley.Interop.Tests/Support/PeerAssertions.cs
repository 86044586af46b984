namespace Parley.Interop.Tests.Support;

/// <summary>Assertions that compare what a party read with what was sent, not only that reading succeeded.</summary>
internal static class PeerAssertions
{
    /// <summary>
    /// <paramref name="receiver"/> reads every envelope, in order, as the plaintext it was made from. An
    /// empty list fails: a test that sent nothing proves nothing.
    /// </summary>
    public static void ShouldRead(this IPeer receiver, IPeer sender, IReadOnlyList<Envelope> envelopes)
    {
        envelopes.ShouldNotBeEmpty("nothing was sent");
        var outcomes = receiver.DecryptMany(sender, envelopes);
        outcomes.Select(o => o.ToString()).ShouldBe(envelopes.Select(e => new Outcome(e.Plaintext, null).ToString()));
    }

    /// <summary>Every envelope is of <paramref name="type"/>, and there is at least one.</summary>
    public static void ShouldAllBeOfType(this IReadOnlyList<Envelope> envelopes, Parley.Protocol.Wire.CiphertextMessageType type)
    {
        envelopes.ShouldNotBeEmpty("nothing was sent");
        envelopes.Select(e => e.Type).ShouldAllBe(t => t == type);
    }
}
