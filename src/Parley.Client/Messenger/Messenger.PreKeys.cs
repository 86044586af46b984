using Parley.Client.Messaging;
using Parley.Client.Profiles;
using Parley.Contracts.Messaging;
using Parley.Protocol.Keys;

namespace Parley.Client.Messenger;

public sealed partial class Messenger
{
    /// <summary>Below this many one-time prekeys of a kind on the server, a new batch is uploaded.</summary>
    public const int PreKeyRefillThreshold = 20;

    /// <summary>A signed prekey (and the Kyber last-resort key) older than this is replaced.</summary>
    public static readonly TimeSpan SignedPreKeyMaxAge = TimeSpan.FromDays(7);

    /// <summary>Replaced signed prekeys are kept this long for messages still in flight, then deleted.</summary>
    public static readonly TimeSpan OldSignedPreKeyGrace = TimeSpan.FromDays(30);

    private const uint MaxPreKeyId = 0xFFFFFF;

    private static readonly TimeSpan PreKeyCheckInterval = TimeSpan.FromHours(1);
    private bool _preKeysUsed;

    private sealed record NewKeys(UploadPreKeysRequest Upload);

    /// <summary>
    /// Generates prekeys into the current write (the private halves are stored before anything is
    /// published, so no message can name a key this profile does not hold) and returns the upload.
    /// </summary>
    private NewKeys NewPreKeys(int oneTimeCount, bool signed, bool lastResort)
    {
        var write = _protocol.Write;
        var now = _time.GetUtcNow();
        var stamp = (ulong)now.ToUnixTimeMilliseconds();
        var next = _account.NextPreKeyId;
        uint Take() => next = next >= MaxPreKeyId ? 1 : next + 1;

        SignedPreKey? signedUpload = null;
        SignedPreKey? lastResortUpload = null;
        var account = _account;
        if (signed)
        {
            var id = Take();
            var record = SignedPreKeyRecord.Generate(id, _identity, stamp);
            _protocol.StoreSignedPreKey(id, record);
            signedUpload = new SignedPreKey(id, AccountKeys.B64u(record.PublicKey.Serialize()), AccountKeys.B64u(record.Signature));
            account = account with { SignedPreKeyId = id, SignedPreKeyAt = now };
        }

        if (lastResort)
        {
            var id = Take();
            var record = KyberPreKeyRecord.Generate(id, _identity, stamp);
            _protocol.StoreLastResortKyberPreKey(id, record);
            lastResortUpload = new SignedPreKey(id, AccountKeys.B64u(record.PublicKey.Serialize()), AccountKeys.B64u(record.Signature));
            account = account with { LastResortKyberId = id, LastResortKyberAt = now };
        }

        var preKeys = new List<OneTimePreKey>(oneTimeCount);
        var kyberPreKeys = new List<SignedPreKey>(oneTimeCount);
        for (var i = 0; i < oneTimeCount; i++)
        {
            var id = Take();
            var record = PreKeyRecord.Generate(id);
            _protocol.StorePreKey(id, record);
            preKeys.Add(new OneTimePreKey(id, AccountKeys.B64u(record.PublicKey.Serialize())));
        }

        for (var i = 0; i < oneTimeCount; i++)
        {
            var id = Take();
            var record = KyberPreKeyRecord.Generate(id, _identity, stamp);
            _protocol.StoreKyberPreKey(id, record);
            kyberPreKeys.Add(new SignedPreKey(id, AccountKeys.B64u(record.PublicKey.Serialize()), AccountKeys.B64u(record.Signature)));
        }

        _account = account with { NextPreKeyId = Take() };
        write.Put(ItemKind.Account, AccountRecord.Name, _account, ProfileCodecs.Account);
        return new NewKeys(new UploadPreKeysRequest(signedUpload, lastResortUpload, preKeys, kyberPreKeys));
    }

    /// <summary>
    /// Refills one-time prekeys on the server when it runs low, and replaces the signed and last-resort
    /// keys when they are old. Runs at most hourly, or after a received PreKey message used some up.
    /// </summary>
    private async Task MaintainPreKeysAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var rotate = now - _account.SignedPreKeyAt > SignedPreKeyMaxAge;
        if (!rotate && !_preKeysUsed && now - _account.PreKeysCheckedAt < PreKeyCheckInterval && now >= _account.PreKeysCheckedAt)
        {
            return;
        }

        _preKeysUsed = false;
        var counts = await _server.CallAsync((api, ct) => api.CountPreKeysAsync(ct), cancellationToken).ConfigureAwait(false);
        var low = counts.PreKeys < PreKeyRefillThreshold || counts.KyberPreKeys < PreKeyRefillThreshold;
        _account = _account with { PreKeysCheckedAt = now };
        if (!low && !rotate)
        {
            var note = _profile.BeginWrite();
            note.Put(ItemKind.Account, AccountRecord.Name, _account, ProfileCodecs.Account);
            note.Commit();
            return;
        }

        var config = await _server.Api.GetConfigAsync(cancellationToken).ConfigureAwait(false);
        var room = config.MaxStoredPreKeys - Math.Max(counts.PreKeys, counts.KyberPreKeys);
        var batch = low ? Math.Clamp(Math.Min(config.MaxPreKeysPerUpload, room), 0, _preKeyBatch) : 0;
        var write = _profile.BeginWrite();
        _protocol.Write = write;
        var keys = NewPreKeys(batch, signed: rotate, lastResort: rotate);
        if (rotate)
        {
            ForgetOldSignedPreKeys(write, now);
        }

        write.Commit();
        await _server.CallAsync((api, ct) => api.UploadPreKeysAsync(keys.Upload, ct), cancellationToken).ConfigureAwait(false);
    }

    private void ForgetOldSignedPreKeys(ProfileWrite write, DateTimeOffset now)
    {
        foreach (var old in write.List(ItemKind.SignedPreKey, ProfileCodecs.SignedPreKey))
        {
            if (old.Id != _account.SignedPreKeyId && DateTimeOffset.FromUnixTimeMilliseconds((long)old.Timestamp) + OldSignedPreKeyGrace < now)
            {
                write.Delete(ItemKind.SignedPreKey, old.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
