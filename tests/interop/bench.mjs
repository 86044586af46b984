// libsignal 0.103's side of bench/protocol-vs-libsignal.sh: the same three measurements as bench/Parley.Protocol.Benchmarks,
// with the same in-memory stores the interop harness uses. Prints one JSON object.
//   steady:    one 100-byte message one way (encrypt + decrypt), no DH ratchet step
//   pingpong:  one message, alternating direction (a DH ratchet step every message)
//   establish: a new initiator identity, processPreKeyBundle on a last-resort bundle (signed prekey and
//              last-resort Kyber prekey, no one-time prekey), encrypt, decrypt the PreKeySignalMessage
import * as signal from '@signalapp/libsignal-client';
import { ops } from './ops/protocol.mjs';

const seconds = Number(process.argv[2] ?? 3);
let names = 0;

// 100-byte plaintexts, as on the Parley side
const prefix = 'x'.repeat(99);

async function pair(from, to) {
  const { messages: [m] } = await ops['party.encryptMany']({ name: from, remote: to, prefix, count: 1 });
  const { results: [r] } = await ops['party.decryptMany']({ name: to, remote: from, messages: [m] });
  if (!r.plaintext) throw new Error(`decrypt failed: ${JSON.stringify(r.error)}`);
}

async function measure(label, op) {
  const warmupEnd = performance.now() + 500;
  while (performance.now() < warmupEnd) await op();
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    await op();
    count++;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { label, opsPerSecond: count / elapsed, meanMicroseconds: (elapsed * 1e6) / count, count };
}

function pairOfParties() {
  const a = `bench-a-${names++}`;
  const b = `bench-b-${names++}`;
  ops['party.create']({ name: a });
  ops['party.create']({ name: b });
  return [a, b];
}

const [alice, bob] = pairOfParties();
await ops['party.processBundle']({ name: alice, remote: bob, bundle: ops['party.bundle']({ name: bob }) });
await pair(alice, bob);
await pair(bob, alice);

const steady = await measure('steady', () => pair(alice, bob));
let aliceSends = false;
const pingpong = await measure('pingpong', () => {
  aliceSends = !aliceSends;
  return aliceSends ? pair(alice, bob) : pair(bob, alice);
});
const lastResortBundle = ops['party.bundle']({ name: bob, oneTime: false, lastResort: true });
const establish = await measure('establish', async () => {
  const initiator = `bench-e-${names++}`;
  ops['party.create']({ name: initiator });
  await ops['party.processBundle']({ name: initiator, remote: bob, bundle: lastResortBundle });
  await pair(initiator, bob);
});

// Bytes on the wire per message, as bench/Parley.Protocol.Benchmarks --sizes measures Parley's: the mean
// serialized SignalMessage and its SPQR pq_ratchet field, 2,000 messages one way, then 2,000 alternating.
async function sizes(schedule) {
  const count = 2000;
  let total = 0;
  let spqr = 0;
  for (let i = 0; i < count; i++) {
    const [from, to] = schedule(i);
    const { messages: [m] } = await ops['party.encryptMany']({ name: from, remote: to, prefix, count: 1 });
    const { results: [r] } = await ops['party.decryptMany']({ name: to, remote: from, messages: [m] });
    if (!r.plaintext) throw new Error(`decrypt failed: ${JSON.stringify(r.error)}`);
    const body = Buffer.from(m.body, 'base64');
    total += body.length;
    spqr += signal.SignalMessage.deserialize(body).pqRatchet().length;
  }
  return { messageBytes: total / count, pqRatchetBytes: spqr / count };
}
const [sizeA, sizeB] = pairOfParties();
await ops['party.processBundle']({ name: sizeA, remote: sizeB, bundle: ops['party.bundle']({ name: sizeB }) });
await pair(sizeA, sizeB);
await pair(sizeB, sizeA);
const steadySizes = await sizes(() => [sizeA, sizeB]);
const pingPongSizes = await sizes((i) => (i % 2 === 0 ? [sizeA, sizeB] : [sizeB, sizeA]));

console.log(JSON.stringify({ library: 'libsignal-client 0.103.0', node: process.version, seconds, steady, pingpong, establish,
  sizes: { steady: steadySizes, pingPong: pingPongSizes } }));
