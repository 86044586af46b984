using System.Text;
using System.Text.Json;
using MessagePack;
using Parley.Client.Requests;
using Parley.Client.Secrets;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Contracts.Requests;
using Parley.Contracts.Secrets;
using Parley.Protocol;
using Parley.Protocol.Groups;
using Parley.Protocol.Keys;
using Parley.Protocol.Storage;
using Parley.Protocol.Wire;
using Parley.Server.Features.Messaging;

namespace Parley.Fuzz;

/// <summary>
/// Writes the seed corpus fuzz/corpus/TARGET/: valid encodings made by Parley's own encoders (with
/// <see cref="FuzzKeys"/>, so sealed seeds open in the harnesses) and the stage-1 interop vectors'
/// session records and messages. afl mutates from these; they stay small.
/// </summary>
internal static class SeedWriter
{
    private const string Server = "https://parley.example";
    private const string Id = "AAECAwQFBgcICQoLDA0ODw";

    public static void WriteAll(string corpus)
    {
        var seeds = new List<(string Target, string Name, byte[] Bytes)>();
        void Add(string target, string name, byte[] bytes) => seeds.Add((target, name, bytes));

        AddProtocol(Add);
        AddVectors(Add, Path.Combine(corpus, "..", "..", "tests", "vectors", "stage1"));
        AddSecretFormat(Add);
        AddJsonBodies(Add);
        AddRelayFrames(Add);

        foreach (var (target, name, bytes) in seeds)
        {
            var folder = Path.Combine(corpus, target);
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
        }

        Console.WriteLine($"{seeds.Count} seeds written under {corpus}");
    }

    private static void AddProtocol(Action<string, string, byte[]> add)
    {
        var identity = IdentityKeyPair.Generate();
        add("prekey-record", "generated", PreKeyRecord.Generate(1).Serialize());
        add("signed-prekey-record", "generated", SignedPreKeyRecord.Generate(2, identity, 1_700_000_000_000).Serialize());
        add("kyber-prekey-record", "generated", KyberPreKeyRecord.Generate(3, identity, 1_700_000_000_000).Serialize());

        var store = new InMemorySenderKeyStore();
        var self = new ProtocolAddress("alice", 1);
        var distributionId = new Guid("00112233-4455-6677-8899-aabbccddeeff");
        var cipher = new GroupCipher(store);
        add("sender-key-distribution-message", "generated", cipher.CreateDistributionMessage(self, distributionId).Serialized);
        add("sender-key-message", "generated", cipher.Encrypt(self, distributionId, "hello group"u8).Value);
        add("sender-key-record", "generated", store.LoadSenderKey(self, distributionId)!.Serialize());

        AddSession(add, identity);

        // Their view of the same safety number: a scan that matches.
        add("scannable-fingerprint", "match", FingerprintTarget.Create(FuzzKeys.IdentityB, FuzzKeys.IdentityA).Scannable());
    }

    // Alice starts a session from Bob's bundle: her first message is a PreKeySignalMessage.
    private static void AddSession(Action<string, string, byte[]> add, IdentityKeyPair bob)
    {
        var signed = SignedPreKeyRecord.Generate(2, bob, 1_700_000_000_000);
        var kyber = KyberPreKeyRecord.Generate(3, bob, 1_700_000_000_000);
        var oneTime = PreKeyRecord.Generate(1);
        var bundle = new PreKeyBundle(7, 1, oneTime.Id, oneTime.PublicKey, signed.Id, signed.PublicKey, signed.Signature, bob.PublicKey,
            kyber.Id, kyber.PublicKey, kyber.Signature);
        var alice = new InMemoryProtocolStore(IdentityKeyPair.Generate(), 5);
        var bobAddress = new ProtocolAddress("bob", 1);
        var cipher = new SessionCipher(alice, new ProtocolAddress("alice", 1));
        cipher.ProcessPreKeyBundle(bobAddress, bundle);
        add("prekey-signal-message", "generated", cipher.Encrypt(bobAddress, "hello"u8).Value.Serialized);
        add("session-record", "generated", alice.Sessions.LoadSession(bobAddress)!.Serialize());
    }

    // Stage-1 vectors: Parley's own session records and the messages in flight between the two stacks.
    private static void AddVectors(Action<string, string, byte[]> add, string folder)
    {
        foreach (var file in Directory.GetFiles(folder, "*.json"))
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(file));
            var stem = Path.GetFileNameWithoutExtension(file);
            var n = 0;
            foreach (var party in json.RootElement.EnumerateObject())
            {
                // libsignal's own records are libsignal's format, not Parley's.
                if (party.Name != "libsignal" && party.Value.ValueKind == JsonValueKind.Object && party.Value.TryGetProperty("sessions", out var sessions))
                {
                    foreach (var session in sessions.EnumerateArray())
                    {
                        add("session-record", $"{stem}-{n++}", Convert.FromBase64String(session.GetProperty("record").GetString()!));
                    }
                }
            }

            if (json.RootElement.TryGetProperty("inFlight", out var inFlight))
            {
                n = 0;
                foreach (var message in inFlight.EnumerateArray())
                {
                    var target = message.GetProperty("type").GetInt32() == (int)CiphertextMessageType.PreKey ? "prekey-signal-message" : "signal-message";
                    add(target, $"{stem}-{n++}", Convert.FromBase64String(message.GetProperty("body").GetString()!));
                }
            }
        }
    }

    private static void AddSecretFormat(Action<string, string, byte[]> add)
    {
        var manifest = new SecretManifest("the secret", [new ManifestFile("notes.txt", 5, "text/plain")]);
        add("secret-manifest", "json", ManifestCodec.ToJson(manifest));
        add("secret-manifest", "sealed", ManifestCodec.Seal(manifest, FuzzKeys.SecretKey));

        foreach (var length in new[] { 0, 5, 100 })
        {
            var plain = new byte[length];
            using var encryptor = new SecretStreamEncryptor(new MemoryStream(plain), length, FuzzKeys.SecretKey);
            using var sealedStream = new MemoryStream();
            sealedStream.WriteByte(0); // the harness's selector: no expected length
            encryptor.CopyTo(sealedStream);
            add("secret-stream", $"plaintext-{length}", sealedStream.ToArray());
        }

        var key = FuzzKeys.SecretKey;
        using (var share = new ShareLink(Server, Id, key))
        {
            add("secret-links", "share", Encoding.UTF8.GetBytes(share.Format()));
        }

        add("secret-links", "manage", Encoding.UTF8.GetBytes(new ManageLink(Server, Id, Base64UrlStrict.Encode(key)).Format()));
        var publicKey = RequestFormat.PublicKeyOf(FuzzKeys.RequesterPrivate);
        add("request-links", "send", Encoding.UTF8.GetBytes(new SendLink(Server, Id, publicKey).Format()));
        add("request-links", "private", Encoding.UTF8.GetBytes(new PrivateLink(Server, Id, FuzzKeys.RequesterPrivate).Format()));
        add("request-format", "public-key", publicKey);
    }

    // One valid body per kind, behind the selector byte that picks it (the order of ServerJsonTargets).
    private static void AddJsonBodies(Action<string, string, byte[]> add)
    {
        var b64 = (int n) => Base64UrlStrict.Encode(new byte[n]);
        var sealedManifest = Base64UrlStrict.Encode(ManifestCodec.Seal(new SecretManifest("x", []), FuzzKeys.SecretKey));
        Body(add, "secrets-json", 0, JsonSerializer.SerializeToUtf8Bytes(
            new CreateSecretRequest(sealedManifest, b64(32), new PassphraseParameters("pbkdf2-sha256", b64(16), 600_000, b64(32)), 3600, 1, 8 + 16 + 5),
            ParleyJsonContext.Default.CreateSecretRequest));
        Body(add, "secrets-json", 1, JsonSerializer.SerializeToUtf8Bytes(new OpenSecretRequest(b64(32), null), ParleyJsonContext.Default.OpenSecretRequest));
        Body(add, "requests-json", 0, JsonSerializer.SerializeToUtf8Bytes(new CreateRequestRequest(b64(32), b64(32), "label", 3600),
            RequestsJsonContext.Default.CreateRequestRequest));
        Body(add, "requests-json", 1, JsonSerializer.SerializeToUtf8Bytes(new AnswerRequestRequest(b64(32), b64(32), sealedManifest, b64(32), null),
            RequestsJsonContext.Default.AnswerRequestRequest));

        var identity = Base64UrlStrict.Encode(FuzzKeys.IdentityA.Serialize());
        var signed = new SignedPreKey(1, identity, b64(64));
        var m = MessagingJsonContext.Default;
        byte[][] messaging =
        [
            JsonSerializer.SerializeToUtf8Bytes(new RegisterRequest("alice", identity, 7, b64(64), signed, signed, [new OneTimePreKey(2, identity)], [signed], null), m.RegisterRequest),
            JsonSerializer.SerializeToUtf8Bytes(new ChallengeRequest("alice"), m.ChallengeRequest),
            JsonSerializer.SerializeToUtf8Bytes(new LoginRequest("alice", b64(32), b64(64)), m.LoginRequest),
            JsonSerializer.SerializeToUtf8Bytes(new UploadPreKeysRequest(signed, null, [new OneTimePreKey(2, identity)], null), m.UploadPreKeysRequest),
            JsonSerializer.SerializeToUtf8Bytes(new SendMessageRequest("bob", 1, b64(10)), m.SendMessageRequest),
            JsonSerializer.SerializeToUtf8Bytes(new AckRequest([1, 2]), m.AckRequest),
            JsonSerializer.SerializeToUtf8Bytes(new QueuedQueryRequest([3]), m.QueuedQueryRequest),
            JsonSerializer.SerializeToUtf8Bytes(new CreateGroupRequest("friends", ["bob", "carol"]), m.CreateGroupRequest),
            JsonSerializer.SerializeToUtf8Bytes(new AddMembersRequest(["dave"]), m.AddMembersRequest),
            JsonSerializer.SerializeToUtf8Bytes(new SendGroupMessageRequest(1, b64(10)), m.SendGroupMessageRequest),
        ];
        for (var i = 0; i < messaging.Length; i++)
        {
            Body(add, "messaging-json", i, messaging[i]);
        }
    }

    private static void Body(Action<string, string, byte[]> add, string target, int kind, byte[] json) =>
        add(target, $"kind-{kind}", [(byte)kind, .. json]);

    private static void AddRelayFrames(Action<string, string, byte[]> add)
    {
        add("relay-frame", "send", Frame(HubNames.Send, "bob", 1, new byte[] { 1, 2, 3 }));
        add("relay-frame", "send-group", Frame(HubNames.SendGroup, Base64UrlStrict.Encode(new byte[16]), 1, new byte[] { 4 }));
        add("relay-frame", "send-batch", Frame(HubNames.SendBatch, new[] { new HubOutgoingEnvelope { To = "bob", Type = 1, Content = [5] } }));
        add("relay-frame", "ack", Frame(HubNames.Ack, new long[] { 1, 2 }));
        add("relay-frame", "presence", Frame(HubNames.GetPresence));

        // websocket-frames: a piece-size byte, then client frames (masked) as a client sends them.
        byte[] key = [0x37, 0xfa, 0x21, 0x3d];
        byte[] Masked(byte first, byte[] payload) =>
            [first, (byte)(0x80 | payload.Length), .. key, .. payload.Select((b, i) => (byte)(b ^ key[i & 3]))];
        var call = Frame(HubNames.GetPresence);
        add("websocket-frames", "one-call", [255, .. Masked(0x82, call)]);
        add("websocket-frames", "fragments-and-ping", [3, .. Masked(0x02, call[..4]), .. Masked(0x89, [1, 2]), .. Masked(0x80, call[4..])]);
        add("websocket-frames", "pong-then-close", [16, .. Masked(0x8A, []), .. Masked(0x88, [0x03, 0xe8])]);
        add("websocket-frames", "long-length", [255, 0x82, 0xFE, 0x01, 0x00, .. key, .. new byte[256]]);
    }

    // [1, id, method, args...]: an invocation as a client sends it.
    private static byte[] Frame(string method, params object[] arguments) =>
        MessagePackSerializer.Serialize<object[]>([RelayFrames.Invocation, 1, method, .. arguments], RelayWire.Options);
}
