using System.Text.Json.Nodes;
using Parley.Testing;

namespace Parley.Interop.Tests.Support;

/// <summary>A message the libsignal client sent: its content id, envelope type (2 Whisper, 3 PreKey) and, for Whisper, its chain counter.</summary>
internal sealed record SentEnvelope(string Id, int Type, int? Counter);

/// <summary>A text the libsignal client decrypted and decoded from the Parley content format.</summary>
internal sealed record ReceivedText(string Sender, int Type, int? Counter, string Text, string Id, int PaddedLength);

/// <summary>What one read of the queue gave: the texts in order, and every envelope that could not be used.</summary>
internal sealed record Received(IReadOnlyList<ReceivedText> Messages, IReadOnlyList<string> Dropped);

/// <summary>
/// A libsignal 0.103 client of the Parley server (tests/interop/ops/client.mjs): its own identity and
/// prekeys made by libsignal, talking to the server's REST API.
/// </summary>
internal sealed class LibsignalClient(NodeHarness node, string handle, string username)
{
    public string Username { get; } = username;

    /// <summary>Registers a new account with <paramref name="oneTime"/> one-time EC and Kyber prekeys, and logs in.</summary>
    public static LibsignalClient Register(HarnessFixture harness, string server, int oneTime = 3)
    {
        var handle = harness.UniqueName("client");
        var username = "lib" + Guid.NewGuid().ToString("N")[..10];
        var account = harness.Harness.Call("client.register", new { name = handle, server, username, oneTime });
        account["username"]!.GetValue<string>().ShouldBe(username);
        return new LibsignalClient(harness.Harness, handle, username);
    }

    public IReadOnlyList<SentEnvelope> Send(string to, params string[] texts) =>
        [.. node.Call("client.send", new { name = handle, to, texts })["sent"]!.AsArray()
            .Select(s => new SentEnvelope(s!["id"]!.GetValue<string>(), s["type"]!.GetValue<int>(), Counter(s)))];

    public Received Receive()
    {
        var result = node.Call("client.receive", new { name = handle });
        return new Received(
            [.. result["messages"]!.AsArray().Select(m => new ReceivedText(m!["sender"]!.GetValue<string>(), m["type"]!.GetValue<int>(), Counter(m),
                m["text"]!.GetValue<string>(), m["id"]!.GetValue<string>(), m["paddedLength"]!.GetValue<int>()))],
            [.. result["dropped"]!.AsArray().Select(d => d!.ToJsonString())]);
    }

    /// <summary>The one-time EC and Kyber prekeys the server still holds for this client.</summary>
    public (int PreKeys, int KyberPreKeys) KeysLeft()
    {
        var left = node.Call("client.keysLeft", new { name = handle });
        return (left["preKeys"]!.GetValue<int>(), left["kyberPreKeys"]!.GetValue<int>());
    }

    private static int? Counter(JsonNode? item) => item!["counter"] is { } c ? c.GetValue<int>() : null;
}
