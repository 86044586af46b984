namespace Parley.Server.Features.Messaging;

internal sealed record MessagingSweep(int Envelopes, int Challenges, int Tokens)
{
    public int Total => Envelopes + Challenges + Tokens;
}
