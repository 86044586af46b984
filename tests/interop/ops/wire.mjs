// Wire parsers alone: what libsignal's deserializers make of each input (no keys, no stores), so
// Parley's decoders can be compared with them input by input.
import * as signal from '@signalapp/libsignal-client';
import { bytes } from './util.mjs';

const hex = (b) => Buffer.from(b).toString('hex');

const parsers = {
  signal: (b) => {
    const m = signal.SignalMessage.deserialize(b);
    return `v${m.messageVersion()} c${m.counter()} pq${hex(m.pqRatchet())} ${hex(m.body())}`;
  },
  prekey: (b) => {
    const m = signal.PreKeySignalMessage.deserialize(b);
    return `v${m.version()} r${m.registrationId()} p${m.preKeyId() ?? '-'} s${m.signedPreKeyId()}`;
  },
  senderKey: (b) => {
    const m = signal.SenderKeyMessage.deserialize(b);
    return `c${m.chainId()} i${m.iteration()} d${m.distributionId()} ${hex(m.ciphertext())}`;
  },
  distribution: (b) => {
    const m = signal.SenderKeyDistributionMessage.deserialize(b);
    return `c${m.chainId()} i${m.iteration()} d${m.distributionId()} ${hex(m.chainKey())}`;
  },
};

export const ops = {
  // Parses each input as `kind`; every result is {parsed: summary} or {error: {code, message}}.
  'wire.parse': ({ kind, messages }) => {
    const parse = parsers[kind];
    if (!parse) throw new Error(`unknown kind ${kind}`);
    return {
      results: messages.map((m) => {
        try {
          return { parsed: parse(bytes(m, 'message')) };
        } catch (e) {
          return { error: { code: String(e?.code ?? e?.name ?? 'Error'), message: String(e?.message ?? e) } };
        }
      }),
    };
  },
};
