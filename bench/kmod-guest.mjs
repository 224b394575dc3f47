#!/usr/bin/env node
/**
 * Benchmark `kmod-guest`: the kernel module against the eBPF probe on the
 * same kernel, in the QEMU guest of the kmod test (Debian's 6.1 under TCG:
 * these machines cannot load modules). Runs test/kmod/run-guest.sh with
 * SCAP_TS_KMOD_BENCH=1: in the guest, test/triggers/syscall-load.c
 * (`getppid` for 2 s) runs alone, under openCapture({ source: 'kmod' }) and
 * under openCapture({ source: 'bpf' }) (every syscall captured, the consumer
 * reading evt.type of every event), then alone again; slowdown = rate alone
 * (mean of both) / rate under capture. TCG emulates the CPU, so absolute
 * rates are far below native and the ratio between drivers is the figure.
 *
 * Needs what `npm run test:kmod` needs (qemu-system-x86, busybox-static,
 * cpio, linux-headers-amd64, a built package); prints a `skip` line without.
 * Not in the default `npm run bench` list (minutes): `node bench/run.mjs kmod-guest`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const have = (c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
if (!have('qemu-system-x86_64') || !existsSync('/bin/busybox') || !existsSync(join(root, 'build', 'Release', 'scap_ts.node'))) {
  console.log(JSON.stringify({ bench: 'kmod-guest', skip: 'needs qemu-system-x86, busybox-static and a built package (npm run build)' }));
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), 'scap-kmod-bench-'));
const r = spawnSync('bash', [join(root, 'test', 'kmod', 'run-guest.sh'), work], {
  env: { ...process.env, SCAP_TS_KMOD_BENCH: '1' },
  encoding: 'utf8',
  timeout: 900_000,
});
const log = existsSync(join(work, 'vm.log')) ? readFileSync(join(work, 'vm.log'), 'latin1') : '';
const line = log.split('\n').find((l) => l.startsWith('SCAPK_BENCH '));
if (r.status !== 0 || !line) {
  console.error(`kmod-guest: run-guest.sh exited ${r.status}\n${r.stderr}\n${log.slice(-3000)}`);
  process.exit(1);
}
console.log(line.slice('SCAPK_BENCH '.length));
