using Parley.Testing;

[assembly: AssemblyFixture(typeof(Parley.Crypto.Tests.Support.HarnessFixture))]

namespace Parley.Crypto.Tests.Support;

/// <summary>One Node interop process for the whole test assembly, started on first use.</summary>
public sealed class HarnessFixture : IDisposable
{
    private readonly Lazy<NodeHarness> _harness = new(NodeHarness.Start);

    /// <summary>The harness, or a skip (a failure when CI=true) when it cannot run here.</summary>
    public NodeHarness Harness
    {
        get
        {
            if (!_harness.IsValueCreated)
            {
                var reason = NodeHarness.UnavailableReason();
                if (reason is not null)
                {
                    NodeHarness.StartOrSkip(); // skips or fails with the reason
                }
            }

            return _harness.Value;
        }
    }

    public void Dispose()
    {
        if (_harness.IsValueCreated)
        {
            _harness.Value.Dispose();
        }
    }
}
