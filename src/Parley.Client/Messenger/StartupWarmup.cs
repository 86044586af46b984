using System.Text.Json;
using Parley.Client.Profiles;
using Parley.Contracts.Messaging;

namespace Parley.Client.Messenger;

/// <summary>
/// What a one-shot command does while the profile's passphrase is stretched on the other core: the
/// first use of the JSON contracts and the HTTP stack costs tens of
/// milliseconds of just-in-time compilation, better spent now than after the unlock. Touches no
/// secret and no network.
/// </summary>
internal static class StartupWarmup
{
    public static void Run()
    {
        try
        {
            var account = new AccountRecord("http://localhost", "warmup", 1, DateTimeOffset.UnixEpoch, true, 1, 1, DateTimeOffset.UnixEpoch, 1, DateTimeOffset.UnixEpoch);
            ProfileCodecs.Account.Decode(ProfileCodecs.Account.Encode(account));
            ProfileCodecs.Token.Decode(ProfileCodecs.Token.Encode(new TokenRecord("t", DateTimeOffset.UnixEpoch)));
            JsonSerializer.Deserialize("""{"envelopes":[],"more":false}"""u8, MessagingJsonContext.Default.QueueResponse);

            using var handler = new SocketsHttpHandler();
            using var client = new HttpClient(handler);
            using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "warmup");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            // a warm-up that fails costs nothing but the time
        }
    }
}
