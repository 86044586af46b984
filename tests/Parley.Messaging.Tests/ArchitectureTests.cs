using System.Reflection;

namespace Parley.Messaging.Tests;

/// <summary>The dependency rules of README.md ("Layout"), checked on the built assemblies.</summary>
public sealed class ArchitectureTests
{
    private static IEnumerable<string> References(Assembly assembly) => assembly.GetReferencedAssemblies().Select(a => a.Name!);

    [Fact]
    public void The_server_never_references_the_protocol()
    {
        var server = typeof(Parley.Server.Features.Messaging.MessagingFeature).Assembly;
        References(server).ShouldNotContain("Parley.Protocol");
        References(server).ShouldContain("Parley.Crypto");
        File.ReadAllText(RepoPaths.Combine("src", "Parley.Server", "Parley.Server.csproj")).ShouldNotContain("Parley.Protocol");
    }

    [Fact]
    public void Contracts_depend_on_nothing_of_Parley()
    {
        References(typeof(Parley.Contracts.Messaging.HubEnvelope).Assembly).ShouldNotContain(n => n.StartsWith("Parley.", StringComparison.Ordinal));
    }
}
