namespace Parley.Server.Features.Messaging;

internal readonly record struct PreKeyCounts(int PreKeys, int KyberPreKeys);
