using Parley.Client.Messaging;

namespace Parley.Messaging.Tests.Support;

internal static class WholeQueue
{
    /// <summary>Every envelope waiting in the caller's queue (REST, page after page): id → content.</summary>
    public static async Task<Dictionary<long, byte[]>> ReadWholeQueueAsync(this MessagingApi api)
    {
        var queued = new Dictionary<long, byte[]>();
        var after = 0L;
        while (true)
        {
            var page = await api.ReadQueueAsync(after, 100);
            foreach (var envelope in page.Envelopes)
            {
                queued[envelope.Id] = System.Buffers.Text.Base64Url.DecodeFromChars(envelope.Content);
                after = envelope.Id;
            }

            if (!page.More)
            {
                return queued;
            }
        }
    }
}
