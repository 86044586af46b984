using Parley.Protocol.Ratchet;
using Parley.Protocol.Spqr;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Tests.Support;

/// <summary>
/// Turns a session record into the form Parley's stage 1 stored (before the braid): the session's SPQR
/// state in field 12 as stage 1 wrote it — direction, negotiating, max jump, the chain's next root and
/// its epoch-0 send and receive directions (next, counter, skipped keys) — and no field 14. Only for a
/// session whose braid has not left epoch 1, which is all stage 1 ever had.
/// </summary>
internal static class Stage1Records
{
    public static byte[] Downgrade(SessionRecord record)
    {
        var state = record.Current ?? throw new ArgumentException("no current session", nameof(record));
        var spqr = state.Spqr;
        var chain = spqr.Chain!;
        if (chain.CurrentEpoch != 0 || spqr.Epoch != 1)
        {
            throw new ArgumentException("stage 1 never left epoch 1", nameof(record));
        }

        var stage1 = new ProtoWriter(256);
        stage1.WriteUInt(1, (uint)spqr.Direction);
        stage1.WriteUInt(2, spqr.Negotiating ? 1u : 0u);
        stage1.WriteUInt(3, spqr.MaxJump);
        stage1.WriteBytes(4, chain.NextRoot);
        stage1.WriteMessage(5, SpqrStateCodec.WriteDirection(chain.Links[0].Send)); // stage 1 wrote directions as the current code does
        stage1.WriteMessage(6, SpqrStateCodec.WriteDirection(chain.Links[0].Receive));

        // The session as the current code writes it, with field 14 replaced by stage 1's field 12.
        var session = new ProtoWriter(1024);
        var reader = new ProtoReader(SessionStateCodec.Write(state).AsSpan());
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (wire == 0)
            {
                session.WriteUInt(field, reader.ReadUInt64(wire));
            }
            else if (field == 14)
            {
                reader.ReadBytes(wire);
                session.WriteMessage(12, stage1);
            }
            else
            {
                session.WriteBytes(field, reader.ReadBytes(wire));
            }
        }

        var result = new ProtoWriter(2048);
        result.WriteUInt(1, SessionRecord.FormatVersion);
        result.WriteMessage(2, session);
        return result.ToArray();
    }
}
