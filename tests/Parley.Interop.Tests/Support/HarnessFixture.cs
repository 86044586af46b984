using Parley.Testing;

[assembly: AssemblyFixture(typeof(Parley.Interop.Tests.Support.HarnessFixture))]

namespace Parley.Interop.Tests.Support;

/// <summary>One libsignal harness process for the whole interop assembly, started on first use.</summary>
public sealed class HarnessFixture : IDisposable
{
    private readonly Lazy<NodeHarness> _harness = new(NodeHarness.Start);
    private int _names;

    /// <summary>The harness, or a skip (a failure when CI=true) when it cannot run here.</summary>
    public NodeHarness Harness
    {
        get
        {
            if (!_harness.IsValueCreated && NodeHarness.UnavailableReason() is not null)
            {
                NodeHarness.StartOrSkip();
            }

            return _harness.Value;
        }
    }

    /// <summary>A party name no other test uses (the harness keeps parties for its lifetime).</summary>
    public string UniqueName(string prefix) => $"{prefix}-{Interlocked.Increment(ref _names)}";

    public void Dispose()
    {
        if (_harness.IsValueCreated)
        {
            _harness.Value.Dispose();
        }
    }
}
