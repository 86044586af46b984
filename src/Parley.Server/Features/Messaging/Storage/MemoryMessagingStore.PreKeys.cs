namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class MemoryMessagingStore : IPreKeyStore
{
    public ValueTask<UploadStatus> AddPreKeysAsync(string username, PreKeyUpload upload, int maxStored, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_accounts.TryGetValue(username, out var a))
            {
                return ValueTask.FromResult(UploadStatus.UnknownAccount);
            }

            if (a.PreKeys.Count + upload.PreKeys.Count > maxStored || a.KyberPreKeys.Count + upload.KyberPreKeys.Count > maxStored)
            {
                return ValueTask.FromResult(UploadStatus.TooMany);
            }

            if (upload.PreKeys.Any(k => a.PreKeys.Exists(p => p.Id == k.Id))
                || upload.KyberPreKeys.Any(k => a.KyberPreKeys.Exists(p => p.Id == k.Id)))
            {
                return ValueTask.FromResult(UploadStatus.Conflict);
            }

            a.PreKeys.AddRange(upload.PreKeys);
            a.KyberPreKeys.AddRange(upload.KyberPreKeys);
            a.SignedPreKey = upload.SignedPreKey ?? a.SignedPreKey;
            a.LastResort = upload.KyberLastResort ?? a.LastResort;
            return ValueTask.FromResult(UploadStatus.Stored);
        }
    }

    public ValueTask<BundleRecord?> TakeBundleAsync(string username, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_accounts.TryGetValue(username, out var a))
            {
                return ValueTask.FromResult<BundleRecord?>(null);
            }

            StoredPreKey? preKey = null;
            if (a.PreKeys.Count > 0)
            {
                preKey = a.PreKeys[0];
                a.PreKeys.RemoveAt(0);
            }

            var kyber = a.LastResort;
            var lastResort = true;
            if (a.KyberPreKeys.Count > 0)
            {
                kyber = a.KyberPreKeys[0];
                a.KyberPreKeys.RemoveAt(0);
                lastResort = false;
            }

            return ValueTask.FromResult<BundleRecord?>(new BundleRecord(a.Record, preKey, a.SignedPreKey, kyber, lastResort));
        }
    }

    public ValueTask<PreKeyCounts> CountPreKeysAsync(string username, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_accounts.TryGetValue(username, out var a)
                ? new PreKeyCounts(a.PreKeys.Count, a.KyberPreKeys.Count)
                : default);
        }
    }
}
