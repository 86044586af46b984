using System.Runtime.InteropServices;

namespace Parley.Crypto;

/// <summary>
/// The few libsodium entry points NSec does not wrap: Ed25519 point and scalar arithmetic for XEdDSA,
/// raw X25519, and the point validity check used for the canonical base-key check. libsodium ships
/// inside the NSec package; <see cref="EnsureInitialized"/> runs <c>sodium_init</c> once.
/// </summary>
internal static unsafe partial class Sodium
{
    private const string Library = "libsodium";

    private static readonly bool Initialized = Init();

    public static void EnsureInitialized()
    {
        if (!Initialized)
        {
            throw new InvalidOperationException("libsodium could not be initialized.");
        }
    }

    private static bool Init() => sodium_init() >= 0;

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    public static partial int crypto_scalarmult_curve25519(byte* q, byte* n, byte* p);

    [LibraryImport(Library)]
    public static partial int crypto_scalarmult_curve25519_base(byte* q, byte* n);

    [LibraryImport(Library)]
    public static partial int crypto_scalarmult_ed25519_base_noclamp(byte* q, byte* n);

    [LibraryImport(Library)]
    public static partial void crypto_core_ed25519_scalar_reduce(byte* r, byte* s);

    [LibraryImport(Library)]
    public static partial void crypto_core_ed25519_scalar_mul(byte* z, byte* x, byte* y);

    [LibraryImport(Library)]
    public static partial void crypto_core_ed25519_scalar_add(byte* z, byte* x, byte* y);

    [LibraryImport(Library)]
    public static partial int crypto_core_ed25519_is_valid_point(byte* p);

    [LibraryImport(Library)]
    public static partial int crypto_core_ed25519_add(byte* r, byte* p, byte* q);

    [LibraryImport(Library)]
    public static partial int crypto_sign_ed25519_verify_detached(byte* sig, byte* m, ulong mlen, byte* pk);
}
