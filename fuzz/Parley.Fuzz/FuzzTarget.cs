namespace Parley.Fuzz;

/// <summary>Feeds one fuzz input to one decoder.</summary>
internal delegate void FuzzInput(ReadOnlySpan<byte> input);

/// <summary>
/// One afl++ target: a decoder and its contract. Any input either decodes or is refused the way the
/// decoder documents; anything else escapes, and afl records it as a crash.
/// </summary>
internal sealed record FuzzTarget(string Name, string Decoder, FuzzInput Run);
