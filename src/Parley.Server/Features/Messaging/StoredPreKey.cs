namespace Parley.Server.Features.Messaging;

/// <summary>A stored public prekey: id, serialized public key and (signed kinds) the identity key's signature.</summary>
internal sealed record StoredPreKey(uint Id, byte[] PublicKey, byte[]? Signature);
