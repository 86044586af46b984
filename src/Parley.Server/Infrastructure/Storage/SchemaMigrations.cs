namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// The tables of one feature, as ordered scripts per SQL provider. Each feature registers its own
/// (<see cref="StorageServiceCollectionExtensions.AddSchema"/>); the database applies every feature's
/// pending scripts once, in order, recording them in <c>parley_schema</c> — so a new feature adds
/// tables without touching another feature's store or scripts.
/// </summary>
public sealed record FeatureSchema(string Feature, IReadOnlyList<string> Sqlite, IReadOnlyList<string> Postgres);
