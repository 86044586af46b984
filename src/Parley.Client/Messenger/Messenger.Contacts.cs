using System.Text;
using Parley.Client.Messaging;
using Parley.Client.Profiles;
using Parley.Crypto;
using Parley.Protocol.Fingerprints;

namespace Parley.Client.Messenger;

/// <summary>What <c>parley verify</c> shows: the safety number of this profile and a contact, and the state of the contact.</summary>
public sealed record Verification(Contact Contact, SafetyNumber Number);

public sealed partial class Messenger
{
    /// <summary>Every contact, sorted by username.</summary>
    public IReadOnlyList<Contact> Contacts() =>
        Exclusive(() => _profile.BeginWrite().List(ItemKind.Contact, ProfileCodecs.Contact).OrderBy(c => c.Username, StringComparer.Ordinal).ToList());

    public Contact? FindContact(string username) =>
        Exclusive(() => ConversationId.CanonicalUsername(username) is { } name ? _profile.Get(ItemKind.Contact, name, ProfileCodecs.Contact) : null);

    /// <summary>
    /// Adds <paramref name="username"/> as a contact: their identity key is fetched and trusted on first
    /// use (a known contact keeps the key it has), and they may see when this profile is online.
    /// </summary>
    public Task<Contact> AddContactAsync(string username, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var name = RequireUsername(username);
        var write = _profile.BeginWrite();
        var contact = write.Get(ItemKind.Contact, name, ProfileCodecs.Contact) ?? await FetchContactAsync(name, cancellationToken).ConfigureAwait(false);
        contact = contact with { Added = true };
        await _server.CallAsync((api, ct) => api.AllowPresenceAsync(name, ct), cancellationToken).ConfigureAwait(false);
        write.Put(ItemKind.Contact, name, contact, ProfileCodecs.Contact);
        write.Commit();
        return contact;
    }, cancellationToken);

    /// <summary>Forgets a contact (their key, the session with them) and stops showing them this profile's presence. History stays.</summary>
    public Task RemoveContactAsync(string username, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var name = RequireUsername(username);
        var write = _profile.BeginWrite();
        if (write.Get(ItemKind.Contact, name, ProfileCodecs.Contact) is null)
        {
            throw new MessengerException(MessengerFailure.UnknownUser, $"'{name}' is not a contact");
        }

        await _server.CallAsync((api, ct) => api.DisallowPresenceAsync(name, ct), cancellationToken).ConfigureAwait(false);
        write.Delete(ItemKind.Contact, name);
        write.Delete(ItemKind.Session, AddressOf(name).ToString());
        write.Commit();
        return true;
    }, cancellationToken);

    /// <summary>Accepts a contact's current identity key after a change (or acknowledges a session reset): sending works again (it stays unverified).</summary>
    public Contact TrustContact(string username) => Exclusive(() =>
    {
        var name = RequireUsername(username);
        var write = _profile.BeginWrite();
        var contact = write.Get(ItemKind.Contact, name, ProfileCodecs.Contact)
            ?? throw new MessengerException(MessengerFailure.UnknownUser, $"'{name}' is not a contact");
        contact = contact with { Trust = ContactTrust.Accepted, SessionResetAt = null };
        write.Put(ItemKind.Contact, name, contact, ProfileCodecs.Contact);
        write.Commit();
        return contact;
    });

    /// <summary>
    /// The safety number of this profile and <paramref name="username"/> (both sides compute the same
    /// 60 digits). With <paramref name="markVerified"/>, the contact's current key is marked verified
    /// (and accepted, if it had changed).
    /// </summary>
    public Task<Verification> VerifyAsync(string username, bool markVerified, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var name = RequireUsername(username);
        var write = _profile.BeginWrite();
        var known = write.Get(ItemKind.Contact, name, ProfileCodecs.Contact);
        var contact = known ?? await FetchContactAsync(name, cancellationToken).ConfigureAwait(false);
        if (markVerified)
        {
            contact = contact with { Verified = true, Trust = ContactTrust.Accepted, SessionResetAt = null };
        }

        if (!ReferenceEquals(contact, known))
        {
            write.Put(ItemKind.Contact, name, contact, ProfileCodecs.Contact);
            write.Commit();
        }

        return new Verification(contact, SafetyNumberWith(contact));
    }, cancellationToken);

    /// <summary>The users this profile may see online now (the server decides who may see whom).</summary>
    public Task<IReadOnlyList<string>> OnlineAsync(CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var presence = await _server.CallAsync((api, ct) => api.GetPresenceAsync(ct), cancellationToken).ConfigureAwait(false);
        return (IReadOnlyList<string>)[.. presence.Online.Order(StringComparer.Ordinal)];
    }, cancellationToken);

    /// <summary>The 60-digit safety number (libsignal's fingerprint, version 1, with usernames as the stable ids).</summary>
    private SafetyNumber SafetyNumberWith(Contact contact) => SafetyNumber.Create(1, SafetyNumber.DefaultIterations,
        Encoding.UTF8.GetBytes(Username), _identity.PublicKey, Encoding.UTF8.GetBytes(contact.Username), Curve25519PublicKey.Decode(contact.IdentityKey));

    /// <summary>A new contact record from the server's directory (trust on first use).</summary>
    private async Task<Contact> FetchContactAsync(string name, CancellationToken cancellationToken)
    {
        if (name == Username)
        {
            throw new MessengerException(MessengerFailure.InvalidArgument, "that is this profile's own username");
        }

        try
        {
            var account = await _server.CallAsync((api, ct) => api.GetAccountAsync(name, ct), cancellationToken).ConfigureAwait(false);
            var key = System.Buffers.Text.Base64Url.DecodeFromChars(account.IdentityKey);
            if (!Curve25519PublicKey.TryDecode(key, out _))
            {
                throw new MessengerException(MessengerFailure.Refused, "the server sent an identity key that is not a Curve25519 key");
            }

            return new Contact(name, key, _time.GetUtcNow(), false, ContactTrust.Accepted, null, null, false);
        }
        catch (MessagingApiException e) when (e.Status == 404)
        {
            throw new MessengerException(MessengerFailure.UnknownUser, $"no user '{name}' on {Server.Authority}", e);
        }
    }

    private static string RequireUsername(string username) =>
        ConversationId.CanonicalUsername(username)
        ?? throw new MessengerException(MessengerFailure.InvalidArgument, $"'{username}' is not a valid username");
}
