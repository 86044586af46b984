// Writes SPQR known-answer values taken from libsignal 0.103 itself, for Parley's unit tests
// (tests/vectors/spqr/README.md says what each value is):
//
//   cd tests/interop && node spqr-vectors.mjs > ../vectors/spqr/libsignal-0.103-lockstep.json
//
// Two libsignal parties run PQXDH, Alice sends six messages unanswered, Bob reads them, then they
// alternate (Bob first) until both are in braid epoch 3. Every message's pq_ratchet is recorded as
// a transcript entry, and the white-box values are read from the stored records (party.spqrState):
// Alice's epoch-1 state after her first six messages (auth key, authenticator, chain, ML-KEM keys),
// the epoch-1 ct1 and ct2 ‖ MAC chunks Bob sent, and Alice's authenticator and chain right after she
// decapsulated them. libsignal draws its own randomness, so each run gives different values; any run
// is a valid vector set.
import * as signal from '@signalapp/libsignal-client';
import { decodeFields, single } from './ops/proto.mjs';
import { ops } from './ops/protocol.mjs';
import { bytes } from './ops/util.mjs';

const types = ['None', 'Hdr', 'Ek', 'EkCt1Ack', 'Ct1Ack', 'Ct1', 'Ct2'];
const hex = (b) => Buffer.from(b).toString('hex');

// spqr v1/chunked/states/serialize.rs: 0x01 ‖ varint epoch ‖ varint index ‖ type [‖ varint chunk ‖ 32 bytes]
function decodePq(pq) {
  let at = 1;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = pq[at++];
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
  };
  if (pq[0] !== 1) throw new Error(`pq_ratchet version ${pq[0]}`);
  const epoch = varint();
  const index = varint();
  const type = pq[at++];
  if (type === 0 || type === 4) return { epoch, index, type: types[type] };
  const chunk = varint();
  return { epoch, index, type: types[type], chunk, data: pq.subarray(at, at + 32) };
}

function pqRatchet(message) {
  const body = bytes(message.body, 'body');
  if (message.type === signal.CiphertextMessageType.Whisper) return signal.SignalMessage.deserialize(body).pqRatchet();
  // PreKeySignalMessage: version byte, then protobuf whose field 4 is the SignalMessage.
  const inner = single(decodeFields(body.subarray(1)), 4).value;
  return signal.SignalMessage.deserialize(new Uint8Array(inner)).pqRatchet();
}

ops['party.create']({ name: 'alice' });
ops['party.create']({ name: 'bob' });
await ops['party.processBundle']({ name: 'alice', remote: 'bob', bundle: ops['party.bundle']({ name: 'bob' }) });

const transcript = [];
const messages = [];
let counter = 0;
async function send(from, to) {
  const { messages: [m] } = await ops['party.encryptMany']({ name: from, remote: to, prefix: 'v', start: counter++, count: 1 });
  const pq = decodePq(pqRatchet(m));
  transcript.push(`${from[0]}:e${pq.epoch}/i${pq.index}/${pq.type}${pq.chunk === undefined ? '' : `#${pq.chunk}`}`);
  messages.push({ from, ...pq });
  return m;
}

async function deliver(from, to, list) {
  const { results } = await ops['party.decryptMany']({ name: to, remote: from, messages: list });
  for (const r of results) if (!r.plaintext) throw new Error(`decrypt failed: ${JSON.stringify(r.error)}`);
}

const first = [];
for (let i = 0; i < 6; i++) first.push(await send('alice', 'bob'));
const aliceEpoch1 = await ops['party.spqrState']({ name: 'alice', remote: 'bob' });
await deliver('alice', 'bob', first);

let aliceAfterCt2 = null;
for (let round = 0; round < 200; round++) {
  await deliver('bob', 'alice', [await send('bob', 'alice')]);
  const alice = await ops['party.spqrState']({ name: 'alice', remote: 'bob' });
  if (!aliceAfterCt2 && alice.chain.currentEpoch === 1) aliceAfterCt2 = alice;
  await deliver('alice', 'bob', [await send('alice', 'bob')]);
  const bob = await ops['party.spqrState']({ name: 'bob', remote: 'alice' });
  if (alice.epoch >= 3 && bob.epoch >= 3) break;
}

const payload = (from, epoch, type) => {
  const chunks = messages.filter((m) => m.from === from && m.epoch === epoch && m.type === type);
  const n = Math.max(...chunks.map((c) => c.chunk)) + 1;
  const out = Buffer.alloc(32 * n);
  for (const c of chunks) Buffer.from(c.data).copy(out, 32 * c.chunk);
  return out;
};
const header = messages.filter((m) => m.from === 'alice' && m.epoch === 1 && m.type === 'Hdr');
const b64hex = (s) => hex(Buffer.from(s, 'base64'));
const ct2 = payload('bob', 1, 'Ct2');

console.log(JSON.stringify({
  source: 'libsignal 0.103.0 (@signalapp/libsignal-client, linux-x64), tests/interop/spqr-vectors.mjs',
  authKey: b64hex(aliceEpoch1.authKey),
  epoch1: {
    authRoot: b64hex(aliceEpoch1.authRoot),
    authMac: b64hex(aliceEpoch1.authMac),
    chainNextRoot: b64hex(aliceEpoch1.chain.nextRoot),
    a2bSendCounter: aliceEpoch1.chain.links[0].send.ctr,
    a2bSendNext: b64hex(aliceEpoch1.chain.links[0].send.next),
    a2bReceiveNext: b64hex(aliceEpoch1.chain.links[0].recv.next),
    decapsulationKey: b64hex(aliceEpoch1.dk),
    headerChunks: header.map((m) => ({ index: m.chunk, data: hex(m.data) })),
    // Bob's ct1 chunks #0–#29 are ct1 itself (systematic); his ct2 chunks #0–#4 are ct2 ‖ MAC_ct.
    ciphertext1: hex(payload('bob', 1, 'Ct1').subarray(0, 960)),
    ciphertext2: hex(ct2.subarray(0, 128)),
    ciphertextMac: hex(ct2.subarray(128, 160)),
  },
  afterEpoch1: {
    authRoot: b64hex(aliceAfterCt2.authRoot),
    authMac: b64hex(aliceAfterCt2.authMac),
    chainNextRoot: b64hex(aliceAfterCt2.chain.nextRoot),
    a2bSendNext: b64hex(aliceAfterCt2.chain.links[1].send.next),
    a2bReceiveNext: b64hex(aliceAfterCt2.chain.links[1].recv.next),
  },
  transcript,
}, null, 1));
