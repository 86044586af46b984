namespace Parley.Server.Features.Secrets;

/// <summary>Where a secret stands in its life (<see cref="SecretRecord.PhaseAt"/>).</summary>
internal enum SecretPhase
{
    Uploading,
    Available,
    Opened,
    Expired,
    Destroyed,
    Burned,
}
