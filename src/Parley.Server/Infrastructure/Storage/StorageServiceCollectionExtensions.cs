using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>Storage plumbing that every feature's store builds on.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>Binds and validates <see cref="StorageOptions"/> and registers the shared databases (created on first use).</summary>
    public static IServiceCollection AddParleyStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Provider != StorageProvider.Postgres || !string.IsNullOrWhiteSpace(o.PostgresConnectionString),
                "Parley:Storage:PostgresConnectionString is required when Parley:Storage:Provider is postgres.")
            .Validate(o => Enum.IsDefined(o.Provider), "Parley:Storage:Provider must be sqlite, postgres or memory.")
            .Validate(o => Enum.IsDefined(o.SqliteSynchronous), "Parley:Storage:SqliteSynchronous must be full or normal.")
            .Validate(o => o.Provider != StorageProvider.Sqlite || !string.IsNullOrWhiteSpace(o.DataDirectory),
                "Parley:Storage:DataDirectory is required with sqlite when the user has no data folder (no home folder).")
            .ValidateOnStart();
        services.TryAddSingleton<StoreMetrics>();
        services.TryAddSingleton<StoreFaultLog>();
        services.TryAddSingleton<SqliteDatabase>();
        services.TryAddSingleton<PostgresDatabase>();
        return services;
    }

    /// <summary>Registers a feature's tables (applied by each SQL database before its first use).</summary>
    public static IServiceCollection AddSchema(this IServiceCollection services, FeatureSchema schema) =>
        services.AddSingleton(schema);

    /// <summary>
    /// Registers <typeparamref name="TStore"/> as the implementation for the configured provider.
    /// Each feature calls this once with its own interface and three implementations.
    /// </summary>
    public static IServiceCollection AddProviderStore<TStore, TSqlite, TPostgres, TMemory>(this IServiceCollection services)
        where TStore : class
        where TSqlite : class, TStore
        where TPostgres : class, TStore
        where TMemory : class, TStore
    {
        services.TryAddSingleton<TSqlite>();
        services.TryAddSingleton<TPostgres>();
        services.TryAddSingleton<TMemory>();
        services.TryAddSingleton<TStore>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider switch
        {
            StorageProvider.Sqlite => sp.GetRequiredService<TSqlite>(),
            StorageProvider.Postgres => sp.GetRequiredService<TPostgres>(),
            StorageProvider.Memory => sp.GetRequiredService<TMemory>(),
            var other => throw new InvalidOperationException($"Unknown storage provider {other}."),
        });
        return services;
    }
}
