// Parley's interop harness: a long-lived Node process that plays the libsignal (or noble) side of a
// differential test. xunit starts it once per test assembly and talks to it over stdin/stdout, one
// JSON object per line:
//   request  {"id": 7, "op": "xeddsa.sign", "args": {...}}
//   response {"id": 7, "ok": true, "result": {...}}  or  {"id": 7, "ok": false, "error": {"code", "message"}}
// Byte strings travel as base64. Operations live in ./ops/*.mjs.
import readline from 'node:readline';
import { cryptoOps } from './ops/crypto.mjs';

const ops = { ...cryptoOps };
const extraModules = ['./ops/protocol.mjs', './ops/wire.mjs', './ops/client.mjs'];
for (const path of extraModules) {
  try {
    const mod = await import(path);
    Object.assign(ops, mod.ops);
  } catch (e) {
    if (e.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
}

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    send({ id: null, ok: false, error: { code: 'BadRequest', message: 'not JSON' } });
    continue;
  }
  const op = ops[request.op];
  if (!op) {
    send({ id: request.id, ok: false, error: { code: 'UnknownOp', message: request.op } });
    continue;
  }
  try {
    const result = await op(request.args ?? {});
    send({ id: request.id, ok: true, result: result ?? {} });
  } catch (e) {
    send({ id: request.id, ok: false, error: { code: e?.code ?? e?.name ?? 'Error', message: String(e?.message ?? e) } });
  }
}
