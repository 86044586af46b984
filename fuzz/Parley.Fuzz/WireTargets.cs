using Parley.Protocol;
using Parley.Protocol.Wire;

namespace Parley.Fuzz;

/// <summary>
/// The protocol's wire messages. Each <c>TryParse</c> documents a closed failure set and no
/// exceptions at all: a refusal is <c>false</c> with a <see cref="ProtocolFailure"/>.
/// </summary>
internal static class WireTargets
{
    public static IEnumerable<FuzzTarget> All() =>
    [
        new("signal-message", "SignalMessage.TryParse", input => Check(SignalMessage.TryParse(input, out var m, out var f), m, f)),
        new("prekey-signal-message", "PreKeySignalMessage.TryParse", input => Check(PreKeySignalMessage.TryParse(input, out var m, out var f), m, f)),
        new("sender-key-message", "SenderKeyMessage.TryParse", input => Check(SenderKeyMessage.TryParse(input, out var m, out var f), m, f)),
        new("sender-key-distribution-message", "SenderKeyDistributionMessage.TryParse",
            input => Check(SenderKeyDistributionMessage.TryParse(input, out var m, out var f), m, f)),
    ];

    // The contract beyond "does not throw": success gives a message and no failure, refusal the reverse.
    private static void Check(bool parsed, object? message, ProtocolFailure failure)
    {
        if (parsed != (message is not null) || parsed != (failure == ProtocolFailure.None))
        {
            throw new InvalidOperationException($"TryParse returned {parsed} with failure {failure}.");
        }
    }
}
