namespace Parley.Server.Features.Messaging.Storage;

/// <summary>An uploaded one-time prekey id is already stored; the whole upload is undone.</summary>
internal sealed class PreKeyConflictException() : Exception("A prekey id is already stored.");
