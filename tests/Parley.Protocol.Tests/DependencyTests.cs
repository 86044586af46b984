using System.Reflection;

namespace Parley.Protocol.Tests;

/// <summary>The dependency direction of README.md ("Layout") holds for the two crypto layers.</summary>
public sealed class DependencyTests
{
    [Fact]
    public void Protocol_depends_on_crypto_and_the_bcl_only()
    {
        var references = typeof(SessionCipher).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        references.ShouldContain("Parley.Crypto");
        references.Where(n => n != "Parley.Crypto" && !IsBcl(n)).ShouldBeEmpty();
    }

    [Fact]
    public void Crypto_depends_on_the_bcl_nsec_and_bouncycastle_only()
    {
        var references = typeof(Parley.Crypto.XEdDsa).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        references.Where(n => !IsBcl(n) && n != "NSec.Cryptography" && n != "BouncyCastle.Cryptography").ShouldBeEmpty();
    }

    private static bool IsBcl(string name) => name is "System" or "mscorlib" or "netstandard" || name.StartsWith("System.", StringComparison.Ordinal) || name.StartsWith("Microsoft.Win32", StringComparison.Ordinal);
}
