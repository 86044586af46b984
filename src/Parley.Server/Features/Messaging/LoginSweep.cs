namespace Parley.Server.Features.Messaging;

/// <summary>What one sweep of <see cref="IAccountStore"/> deleted.</summary>
internal readonly record struct LoginSweep(int Challenges, int Tokens);
