// Runs in the kmod test guest (/app is the package: dist/, the addon). With
// the binding's live engines and the shared drain thread:
//   1. openCapture({ source: 'kmod' }) records the trigger -> /out/node.scap
//   2. openCapture({ source: 'kmod', tgids: [the trigger], schedSwitch: true })
//      records it again, the trigger forked first and released once the
//      capture is open -> /out/nodetgid.scap
//   3. openCapture({ source: 'bpf' }), the eBPF probe on the same kernel,
//      records it again -> /out/bpf.scap (both drivers compared on one kernel)
//   4. the load generator's rate alone, under the module and under the probe
//      (every syscall captured, the consumer reading evt.type of each event)
// Usage: node guest-node.mjs TRIGGER LOAD [bench]   (4. only with `bench`)
import { spawn } from 'node:child_process';
import { openCapture } from '/app/dist/capture.js';
import { PPME } from '/app/dist/events/index.js';
import { ScapWriter } from '/app/dist/scapfile/index.js';

const [trigger, load, bench] = process.argv.slice(2);

// Runs cmd; `held`: it waits for a line on stdin before it execs (its pid,
// which it keeps, is known before it runs). Returns the child and its stdout.
function start(cmd, args, held = false) {
  const p = held
    ? spawn('/bin/sh', ['-c', 'read x; exec "$0" "$@"', cmd, ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const done = new Promise((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}`))));
  });
  return { child: p, done };
}
const run = (cmd, args) => start(cmd, args).done;

// tag: the name in the output lines; held: capture only the trigger's tgid.
async function record(source, out, path, { tag = source, held = false, schedSwitch } = {}) {
  const t0 = Date.now();
  const trig = held ? start(trigger, [path], true) : undefined;
  const cap = await openCapture({ source, snaplen: 128, schedSwitch, tgids: trig ? [trig.child.pid] : undefined });
  const opened = Date.now() - t0;
  const writer = await ScapWriter.create(out, cap.metadata);
  let report;
  if (trig) trig.child.stdin.end('go\n');
  const done = (trig?.done ?? run(trigger, [path])).then((o) => (report = JSON.parse(o)));
  const timer = setTimeout(() => void cap.close(), 60_000);
  let n = 0;
  let stopping = false;
  for await (const e of cap) {
    writer.writeEvent(e, e.cpu);
    n++;
    if (e.type !== PPME.PROCEXIT_1_E) continue;
    if (trig && e.tid === trig.child.pid && !stopping) {
      // Nothing else is captured; its last context switch follows its procexit.
      stopping = true;
      setTimeout(() => void cap.stop(), 200);
    } else if (!trig && report && e.tid === report.pid) {
      break;
    }
  }
  clearTimeout(timer);
  await done;
  await writer.close();
  const st = cap.stats();
  console.log(`SCAPK_NODE source=${tag} events=${n} delivered=${st.delivered} seen=${st.seen} drops=${st.drops.total} open_ms=${opened}`);
  console.log(`SCAPK_NODE_REPORT_${tag} ${JSON.stringify(report)}`);
}

async function rate(source) {
  let cap;
  let stop = false;
  let consumed = 0;
  let loop;
  if (source) {
    cap = await openCapture({ source });
    loop = (async () => {
      for await (const e of cap) {
        if (e.type >= 0) consumed++;
        if (stop) break;
      }
    })();
  }
  const r = JSON.parse(await run(load, ['getppid', '2']));
  stop = true;
  let drops = 0;
  if (cap) {
    await cap.close();
    await loop;
    drops = cap.stats().drops.total;
  }
  return { source: source ?? 'none', rate: r.rate, consumed, drops };
}

await record('kmod', '/out/node.scap', '/tmp/scap-kmod-opened-node');
await record('kmod', '/out/nodetgid.scap', '/tmp/scap-kmod-opened-nodetgid', { tag: 'nodetgid', held: true, schedSwitch: true });
await record('bpf', '/out/bpf.scap', '/tmp/scap-kmod-opened-bpf');
if (bench !== 'bench') process.exit(0);
const alone = await rate(undefined);
const kmod = await rate('kmod');
const bpf = await rate('bpf');
const alone2 = await rate(undefined);
const base = (alone.rate + alone2.rate) / 2;
console.log(
  `SCAPK_BENCH ${JSON.stringify({
    bench: 'kmod-vs-bpf-guest',
    load: 'getppid',
    aloneRate: Math.round(base),
    kmod: { rate: kmod.rate, slowdown: +(base / kmod.rate).toFixed(3), consumed: kmod.consumed, drops: kmod.drops },
    bpf: { rate: bpf.rate, slowdown: +(base / bpf.rate).toFixed(3), consumed: bpf.consumed, drops: bpf.drops },
    kmodOverBpfRate: +(kmod.rate / bpf.rate).toFixed(3),
  })}`,
);
