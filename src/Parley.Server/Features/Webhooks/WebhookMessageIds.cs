using System.Security.Cryptography;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Webhooks;

/// <summary>
/// Fresh <c>webhook-id</c>s: <c>msg_</c> and 16 random bytes in base64url. They are made inside the write job of the
/// change they report, on SQLite on the one writer thread, where a system call for every id showed in its profile:
/// the random bytes come from a per-thread buffer, refilled from the system's generator 4 KiB at a time.
/// </summary>
internal static class WebhookMessageIds
{
    private const int IdBytes = 16;
    private const int PoolBytes = 4096;

    [ThreadStatic]
    private static byte[]? t_pool;

    [ThreadStatic]
    private static int t_left;

    public static string New()
    {
        var pool = t_pool ??= new byte[PoolBytes];
        if (t_left < IdBytes)
        {
            RandomNumberGenerator.Fill(pool);
            t_left = PoolBytes;
        }

        var id = pool.AsSpan(PoolBytes - t_left, IdBytes);
        t_left -= IdBytes;
        return "msg_" + Base64Url.Encode(id);
    }
}
