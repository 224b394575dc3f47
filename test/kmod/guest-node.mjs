// Runs in the kmod test guest (/app is the package: dist/, the addon): captures
// the trigger through openCapture({ source: 'kmod' }), i.e. the binding's
// `kmod` engine and the shared drain thread, and writes the trigger's events
// to a .scap file the host compares with the static consumer's capture.
// Usage: node guest-node.mjs OUT.scap TRIGGER PATH
import { spawn } from 'node:child_process';
import { openCapture } from '/app/dist/capture.js';
import { PPME } from '/app/dist/events/index.js';
import { ScapWriter } from '/app/dist/scapfile/index.js';

const [out, trigger, path] = process.argv.slice(2);
const cap = await openCapture({ source: 'kmod', snaplen: 128 });
const writer = await ScapWriter.create(out, cap.metadata);
let stdout = '';
const child = spawn(trigger, [path], { stdio: ['ignore', 'pipe', 'inherit'] });
child.stdout.on('data', (d) => (stdout += d));
let report;
child.on('close', () => (report = JSON.parse(stdout)));
const timer = setTimeout(() => void cap.close(), 30_000);
let n = 0;
for await (const e of cap) {
  writer.writeEvent(e, e.cpu);
  n++;
  if (report && e.type === PPME.PROCEXIT_1_E && e.tid === report.pid) break;
}
clearTimeout(timer);
await writer.close();
const st = cap.stats();
console.log(`SCAPK_NODE events=${n} delivered=${st.delivered} seen=${st.seen} drops=${JSON.stringify(st.drops ?? {})}`);
console.log(`SCAPK_NODE_REPORT ${JSON.stringify(report)}`);
