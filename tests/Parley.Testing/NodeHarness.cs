using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Testing;

/// <summary>
/// The interop harness (tests/interop/harness.mjs): one long-lived Node process that plays the
/// libsignal or noble side of a differential test, driven over stdin/stdout with one JSON object per
/// line. Calls are serialized; byte strings travel as base64. Needs <c>npm ci</c> in tests/interop
/// (./test.sh does it): without it tests skip, and with <c>CI=true</c> they fail.
/// </summary>
public sealed class NodeHarness : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private long _nextId;
    private bool _disposed;
    private string? _broken;

    private NodeHarness(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
    }

    /// <summary>The folder holding harness.mjs and package.json.</summary>
    public static string Directory => RepoPaths.Combine("tests", "interop");

    /// <summary>Why the harness cannot run here, or null when it can.</summary>
    public static string? UnavailableReason()
    {
        if (!File.Exists(Path.Combine(Directory, "harness.mjs")))
        {
            return "tests/interop/harness.mjs is missing";
        }

        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@signalapp", "libsignal-client")))
        {
            return "tests/interop/node_modules is missing: run `npm ci` in tests/interop (./test.sh does)";
        }

        return null;
    }

    /// <summary>Starts the harness, or skips the calling test (fails it when CI=true) if it cannot run.</summary>
    public static NodeHarness StartOrSkip()
    {
        var reason = UnavailableReason();
        if (reason is not null)
        {
            var message = "Node interop harness not available: " + reason + ". Run the tests with ./test.sh.";
            if (TestEnvironment.IsCi)
            {
                throw new InvalidOperationException("CI=true but " + message);
            }

            Assert.Skip(message);
        }

        return Start();
    }

    /// <summary>Starts the harness process.</summary>
    public static NodeHarness Start()
    {
        var info = new ProcessStartInfo("node", "harness.mjs")
        {
            WorkingDirectory = Directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = new UTF8Encoding(false),
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var harness = new NodeHarness(process);
        harness.Call("ping");
        return harness;
    }

    /// <summary>Calls <paramref name="op"/>; throws <see cref="NodeHarnessException"/> when it fails.</summary>
    public JsonObject Call(string op, object? args = null)
    {
        var response = TryCall(op, args);
        if (response.Ok)
        {
            return response.Result!;
        }

        throw new NodeHarnessException(op, response.ErrorCode!, response.ErrorMessage!);
    }

    /// <summary>Calls <paramref name="op"/> and returns success or the harness's error, without throwing for the latter.</summary>
    public HarnessResponse TryCall(string op, object? args = null)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_broken is not null)
            {
                // An earlier call left an unread answer on the pipe; nothing after it can be trusted.
                throw new InvalidOperationException($"harness unusable since {_broken}");
            }

            var id = ++_nextId;
            var request = new JsonObject
            {
                ["id"] = id,
                ["op"] = op,
                ["args"] = args is null ? new JsonObject() : JsonSerializer.SerializeToNode(args),
            };
            _process.StandardInput.WriteLine(request.ToJsonString());
            _process.StandardInput.Flush();

            var readTask = _process.StandardOutput.ReadLineAsync();
            if (!readTask.Wait(CallTimeout))
            {
                _broken = $"op {op} timed out";
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }

                throw new TimeoutException($"harness op {op} did not answer within {CallTimeout.TotalSeconds} s. stderr: {StandardError}");
            }

            var line = readTask.Result ?? throw new InvalidOperationException($"harness exited during {op}. stderr: {StandardError}");
            var response = JsonNode.Parse(line)!.AsObject();
            if (response["id"]?.GetValue<long>() != id)
            {
                throw new InvalidOperationException($"harness answered out of turn: {line}");
            }

            return response["ok"]!.GetValue<bool>()
                ? new HarnessResponse(true, response["result"]!.AsObject(), null, null)
                : new HarnessResponse(false, null, response["error"]!["code"]!.ToString(), response["error"]!["message"]!.ToString());
        }
    }

    /// <summary>What the harness wrote to stderr so far (for failure messages).</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    public static string B64(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes);

    public static byte[] Bytes(JsonNode? node) => Convert.FromBase64String(node?.GetValue<string>() ?? throw new InvalidOperationException("missing bytes"));
}

/// <summary>One harness answer: a result, or the error code and message libsignal gave.</summary>
public sealed record HarnessResponse(bool Ok, JsonObject? Result, string? ErrorCode, string? ErrorMessage);

/// <summary>A harness operation failed on the Node side.</summary>
public sealed class NodeHarnessException(string op, string code, string message)
    : Exception($"harness op {op} failed: {code}: {message}")
{
    public string Code { get; } = code;
}
