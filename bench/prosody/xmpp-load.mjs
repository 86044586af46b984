// Load client for Prosody (XMPP over plain TCP, SASL PLAIN), the reference server of
// bench/relay-vs-prosody.sh. It measures what bench/Parley.Relay.LoadGenerator measures on Parley's
// relay, the same way, so the two columns of docs/benchmarks.md compare like with like:
//   throughput  P sender→receiver pairs; one schedule of `total` messages/s spread over the senders;
//               latency from each message's scheduled send time (carried in its body) to arrival
//   idle        connects authenticated sessions in steps; the server's RSS after each step settles
//   connect     authenticated connects/s with `conc` in flight
// One JSON object per result on stdout. The client reports its own lag (how late it sent against the
// schedule, and its event loop's delay) so a reader can tell the client from the server.
//   node xmpp-load.mjs throughput --pairs 100 --total 4000 --seconds 6 --warmup 2 --pid PID
import net from 'node:net';
import fs from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const DOMAIN = 'bench.local';
const PASSWORD = 'pw';

const options = parseArguments(process.argv.slice(2));
const serverPid = Number(options.pid ?? 0);
const sources = (options.sources ?? '127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4').split(',');
let nextSource = 0;

const nowMs = () => performance.timeOrigin + performance.now();
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function parseArguments(argv) {
  const result = { mode: argv[0] };
  for (let i = 1; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`expected --name value, got ${argv[i]}`);
    }
    result[argv[i].slice(2)] = argv[i + 1];
  }
  return result;
}

/** utime + stime of a process in seconds, from /proc/PID/stat. */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssKib(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}

/** Busy CPU seconds of the whole machine (user + nice + system), from /proc/stat. */
function machineBusySeconds() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2]) / 100;
}

/** CPU use of the server, this client, and everything else on the machine over a window, in % of one core. */
class CpuWindow {
  constructor() {
    this.at = nowMs();
    this.machine = machineBusySeconds();
    this.server = serverPid ? cpuSeconds(serverPid) : 0;
    this.self = process.cpuUsage();
  }

  report() {
    const seconds = (nowMs() - this.at) / 1000;
    const self = process.cpuUsage(this.self);
    const selfSeconds = (self.user + self.system) / 1e6;
    const server = serverPid ? cpuSeconds(serverPid) - this.server : 0;
    const machine = machineBusySeconds() - this.machine;
    const pct = v => Math.round(v / seconds * 100);
    return { server_cpu_pct: pct(server), client_cpu_pct: pct(selfSeconds), other_cpu_pct: Math.max(0, pct(machine - server - selfSeconds)) };
  }
}

function percentile(sorted, q) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const round = (v, digits = 1) => Number(v.toFixed(digits));

/**
 * One client session: TCP, stream header, SASL PLAIN, a second stream, resource binding, initial
 * presence and a ping whose answer says the session is fully set up.
 */
class Session {
  constructor(user) {
    this.user = user;
    this.buffer = '';
    this.stage = 'auth';
    this.pending = new Map();
    this.nextId = 0;
    this.onMessage = null;
  }

  open() {
    return new Promise((resolve, reject) => {
      this.startedAt = nowMs();
      this.done = { resolve, reject };
      const socket = net.connect({ host: '127.0.0.1', port: Number(options.port ?? 5222), localAddress: sources[nextSource++ % sources.length] });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.setEncoding('utf8');
      socket.on('connect', () => this.streamHeader());
      socket.on('data', text => this.read(text));
      socket.on('error', error => this.fail(error));
      socket.on('close', () => {
        if (this.stage !== 'ready' && this.stage !== 'closing') {
          this.fail(new Error(`${this.user}: connection closed during ${this.stage}`));
        }
      });
    });
  }

  fail(error) {
    if (this.done) {
      const { reject } = this.done;
      this.done = null;
      reject(error);
    } else if (this.stage !== 'closing') {
      console.error(`# ${this.user}: ${error.message}`);
    }
  }

  send(xml) {
    this.socket.write(xml);
  }

  streamHeader() {
    this.send(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${DOMAIN}' version='1.0'>`);
  }

  close() {
    this.stage = 'closing';
    this.socket.end('</stream:stream>');
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  request(xml) {
    const id = `i${++this.nextId}`;
    return new Promise(resolve => {
      this.pending.set(id, resolve);
      this.send(xml.replace('{id}', id));
    });
  }

  /** Splits the stream into top-level elements (the stream header aside) and handles each. */
  read(text) {
    this.buffer += text;
    let depth = 0;
    let start = -1;
    let consumed = 0;
    let at = 0;
    for (;;) {
      const lt = this.buffer.indexOf('<', at);
      if (lt < 0) break;
      const gt = this.buffer.indexOf('>', lt);
      if (gt < 0) break;
      const next = this.buffer[lt + 1];
      if (next === '?' || this.buffer.startsWith('stream:stream', lt + 1)) {
        consumed = gt + 1;
      } else if (next === '/') {
        depth--;
        if (depth === 0) {
          this.element(this.buffer.slice(start, gt + 1));
          consumed = gt + 1;
        } else if (depth < 0) {
          depth = 0;
          consumed = gt + 1;
        }
      } else if (this.buffer[gt - 1] === '/') {
        if (depth === 0) {
          this.element(this.buffer.slice(lt, gt + 1));
          consumed = gt + 1;
        }
      } else {
        if (depth === 0) start = lt;
        depth++;
      }
      at = gt + 1;
    }
    this.buffer = this.buffer.slice(consumed);
  }

  element(xml) {
    if (xml.startsWith('<message')) {
      this.onMessage?.(xml);
    } else if (xml.startsWith('<iq')) {
      const id = /\sid=['"]([^'"]*)['"]/.exec(xml)?.[1];
      const waiter = id && this.pending.get(id);
      if (waiter) {
        this.pending.delete(id);
        waiter(xml);
      } else if (/\stype=['"](get|set)['"]/.test(xml)) {
        // The server pings too: answer every request, or it drops the session.
        const from = /\sfrom=['"]([^'"]*)['"]/.exec(xml)?.[1];
        this.send(`<iq type='result' id='${id}'${from ? ` to='${from}'` : ''}/>`);
      }
    } else if (xml.startsWith('<stream:features')) {
      this.features();
    } else if (xml.startsWith('<success')) {
      this.stage = 'bind';
      this.streamHeader();
    } else if (xml.startsWith('<failure') || xml.startsWith('<stream:error')) {
      this.fail(new Error(`${this.user}: ${xml}`));
    }
  }

  async features() {
    if (this.stage === 'auth') {
      const plain = Buffer.from(`\0${this.user}\0${PASSWORD}`).toString('base64');
      this.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`);
      return;
    }
    if (this.stage !== 'bind') return;
    this.stage = 'binding';
    const bound = await this.request(`<iq type='set' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>load</resource></bind></iq>`);
    if (!/type=['"]result['"]/.test(bound)) {
      this.fail(new Error(`${this.user}: bind refused: ${bound}`));
      return;
    }
    this.send('<presence/>');
    await this.request(`<iq type='get' id='{id}'><ping xmlns='urn:xmpp:ping'/></iq>`);
    this.stage = 'ready';
    this.readyAt = nowMs();
    const { resolve } = this.done;
    this.done = null;
    resolve(this);
  }
}

/** Opens sessions for `users` with `inFlight` at a time; returns them and each one's set-up time. */
async function openAll(users, inFlight) {
  const sessions = new Array(users.length);
  const setup = [];
  let next = 0;
  async function worker() {
    while (next < users.length) {
      const i = next++;
      const s = await new Session(users[i]).open();
      sessions[i] = s;
      setup.push(s.readyAt - s.startedAt);
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, users.length) }, worker));
  return { sessions, setup };
}

const userNames = (from, count) => Array.from({ length: count }, (_, i) => `u${from + i}`);

async function throughput() {
  const pairs = Number(options.pairs);
  const total = Number(options.total);
  const seconds = Number(options.seconds ?? 6);
  const warmup = Number(options.warmup ?? 2);
  const size = Number(options.size ?? 256);
  const offset = Number(options['user-offset'] ?? 0);
  const senderNames = userNames(offset, pairs);
  const receiverNames = userNames(offset + pairs, pairs);
  const senders = (await openAll(senderNames, 64)).sessions;
  const receivers = (await openAll(receiverNames, 64)).sessions;

  const interval = 1000 / total;
  const start = nowMs() + 100;
  const windowFrom = start + warmup * 1000;
  const windowTo = windowFrom + seconds * 1000;
  const latencies = [];
  const sendLag = [];
  let sentInWindow = 0;
  let receivedInWindow = 0;
  for (const r of receivers) {
    r.onMessage = xml => {
      const arrived = nowMs();
      const at = xml.indexOf('<body>') + 6;
      const scheduled = Number(xml.slice(at, xml.indexOf('|', at)));
      if (scheduled >= windowFrom && scheduled < windowTo) {
        latencies.push(arrived - scheduled);
        receivedInWindow++;
      }
    };
  }

  const loop = monitorEventLoopDelay({ resolution: 1 });
  let cpu = null;
  let k = 0;
  await new Promise(resolve => {
    const tick = () => {
      const now = nowMs();
      if (cpu === null && now >= windowFrom) {
        cpu = new CpuWindow();
        loop.enable();
      }
      for (;;) {
        const scheduled = start + k * interval;
        if (scheduled > now || scheduled >= windowTo) break;
        const pair = k % pairs;
        const head = `${scheduled.toFixed(3)}|${k}|`;
        senders[pair].send(`<message to='${receiverNames[pair]}@${DOMAIN}' type='chat' id='m${k}'><body>${head}${'x'.repeat(Math.max(0, size - head.length))}</body></message>`);
        if (scheduled >= windowFrom) {
          sentInWindow++;
          sendLag.push(now - scheduled);
        }
        k++;
      }
      if (start + k * interval >= windowTo) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, Math.max(0, start - nowMs()));
  });
  const usage = cpu.report();
  loop.disable();
  const drainUntil = nowMs() + 3000;
  while (receivedInWindow < sentInWindow && nowMs() < drainUntil) await sleep(20);
  latencies.sort((a, b) => a - b);
  sendLag.sort((a, b) => a - b);
  console.log(JSON.stringify({
    mode: 'throughput', pairs, offered_per_s: total, sent: sentInWindow, delivered: receivedInWindow,
    delivered_per_s: Math.round(receivedInWindow / seconds),
    p50_ms: round(percentile(latencies, 0.5)), p99_ms: round(percentile(latencies, 0.99)), p999_ms: round(percentile(latencies, 0.999)),
    client_send_lag_p99_ms: round(percentile(sendLag, 0.99)), client_loop_delay_p99_ms: round(loop.percentile(99) / 1e6),
    ...usage, server_rss_kib: serverPid ? rssKib(serverPid) : null,
  }));
  for (const s of [...senders, ...receivers]) s.close();
  await sleep(1000);
}

async function idle() {
  const steps = options.steps.split(',').map(Number);
  const settle = Number(options.settle ?? 5);
  const offset = Number(options['user-offset'] ?? 0);
  const all = [];
  await sleep(500);
  const points = [];
  for (const step of steps) {
    const started = nowMs();
    const { sessions } = await openAll(userNames(offset + all.length, step - all.length), Number(options.conc ?? 64));
    all.push(...sessions);
    const connectSeconds = (nowMs() - started) / 1000;
    await sleep(settle * 1000);
    const rss = rssKib(serverPid);
    points.push([step, rss]);
    console.log(JSON.stringify({ mode: 'idle', connections: step, server_rss_kib: rss, connects_per_s: Math.round(sessions.length / connectSeconds) }));
  }
  const [first, last] = [points[0], points[points.length - 1]];
  console.log(JSON.stringify({ mode: 'idle-slope', from: first[0], to: last[0], kib_per_connection: round((last[1] - first[1]) / (last[0] - first[0]), 2) }));
  for (const s of all) s.close();
  await sleep(2500);
}

async function connect() {
  const n = Number(options.n ?? 5000);
  const inFlight = Number(options.conc ?? 64);
  const cpu = new CpuWindow();
  const started = nowMs();
  const { sessions, setup } = await openAll(userNames(Number(options['user-offset'] ?? 0), n), inFlight);
  const elapsed = (nowMs() - started) / 1000;
  const usage = cpu.report();
  setup.sort((a, b) => a - b);
  console.log(JSON.stringify({
    mode: 'connect', n, in_flight: inFlight, connects_per_s: Math.round(n / elapsed),
    setup_p50_ms: round(percentile(setup, 0.5)), setup_p99_ms: round(percentile(setup, 0.99)), ...usage,
  }));
  for (const s of sessions) s.close();
  await sleep(2500);
}

const modes = { throughput, idle, connect };
if (!modes[options.mode]) {
  console.error('usage: node xmpp-load.mjs throughput|idle|connect --name value ...');
  process.exit(2);
}
modes[options.mode]().then(() => process.exit(0), error => {
  console.error(`xmpp-load: ${error.message}`);
  process.exit(1);
});
