#!/usr/bin/env node
/** `scap-ts`: read, write and summarize captures with sysdig's flag names. */
import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { ScapError } from '../errors.js';
import { EVENT_INFO, isListedEvent } from '../events/table.js';
import type { Event } from '../events/event.js';
import { EventSummary } from '../format/summary.js';
import { ScapWriter } from '../scapfile/writer.js';
import { PT } from '../events/schema.generated.js';
import { openCapture } from '../capture.js';
import type { ScapSection } from '../scapfile/reader.js';

const PT_NAMES = new Map<number, string>(Object.entries(PT).map(([k, v]) => [v, k]));

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** `> name(TYPE param, ...)` for every event sysdig would list. */
export function listEvents(): string {
  const lines: string[] = [];
  for (const info of EVENT_INFO) {
    if (!isListedEvent(info)) continue;
    const params = info.params.map((p) => `${PT_NAMES.get(p.type) ?? p.type} ${p.name}`).join(', ');
    lines.push(`${info.direction} ${info.name}(${params})`);
  }
  return `${lines.join('\n')}\n`;
}

function clock(ts: bigint): string {
  const d = new Date(Number(ts / 1_000_000n));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${String(ts % 1_000_000_000n).padStart(9, '0')}`;
}

interface CliOptions {
  read?: string;
  write?: string;
  numevents?: number;
  seconds?: number;
  snaplen?: number;
  summary?: boolean;
  quiet?: boolean;
  listEvents?: boolean;
}

export async function run(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('scap-ts')
    .description('Read, filter and write Falco/sysdig .scap captures')
    .version(pkg.version, '--version')
    .option('-r, --read <file>', 'read events from a .scap file (plain or gzip) instead of capturing live')
    .option('-w, --write <file>', 'write the events read to a .scap file (gzip when it ends in .gz)')
    .option('-n, --numevents <n>', 'stop after n events', positiveInt)
    .option('-M, --seconds <s>', 'stop after s seconds', positiveInt)
    .option('-s, --snaplen <bytes>', 'bytes of I/O data captured per event (live)', positiveInt)
    .option('-S, --summary', 'print the per-event-type count table at the end, as sysdig -S')
    .option('-q, --quiet', 'do not print events')
    .option('-L, --list-events', 'list the event types and their parameters')
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const o = program.opts<CliOptions>();

  if (o.listEvents) {
    out(listEvents());
    return 0;
  }
  // Live capture through the eBPF probe is the default source, as in sysdig.
  const signal = o.seconds ? AbortSignal.timeout(o.seconds * 1000) : undefined;
  const capture = await openCapture({ source: o.read ? { file: o.read } : 'bpf', signal, snaplen: o.snaplen });
  const writer = o.write ? await ScapWriter.create(o.write, capture.metadata) : undefined;
  const summary = o.summary ? new EventSummary() : undefined;
  // Thread names: the starting state, then execve as programs start (full state tracking is the state layer's job).
  const comms = new Map<number, string>((capture.metadata.processes ?? []).map((t) => [t.tid, t.comm]));
  const limit = o.numevents ?? Infinity;
  let num = 0;
  let section: ScapSection | undefined;
  const stop = () => void capture.close();
  process.once('SIGINT', stop);
  try {
    outer: for await (const batch of capture.batches()) {
      const sec = (batch as { section?: ScapSection }).section;
      if (writer && sec && section && sec !== section) writer.beginSection(sec);
      section = sec;
      for (let i = 0; i < batch.length; i++) {
        if (num >= limit) break outer;
        const e = batch.at(i);
        num++;
        summary?.add(e);
        writer?.writeEvent(e);
        if (e.name === 'execve' && e.direction === '<' && e.param('res') === 0) comms.set(e.tid, String(e.param('comm')));
        if (!o.quiet) out(`${num} ${clock(e.ts)} ${e.cpu} ${comms.get(e.tid) ?? '<NA>'} (${e.tid}) ${e.direction} ${e.name} ${e.args()}\n`);
      }
      await writer?.flush(false);
    }
  } finally {
    process.off('SIGINT', stop);
    await capture.close();
    await writer?.close();
  }
  const st = capture.stats();
  if (!o.read && st.drops.total > 0) process.stderr.write(`scap-ts: ${st.drops.total} events dropped by the kernel probe (ring full ${st.drops.ringFull}, too large ${st.drops.tooLarge})\n`);
  if (summary) out(summary.format());
  return 0;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain || process.argv[1]?.endsWith('/scap-ts')) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      const err = e as { code?: string; exitCode?: number; message?: string };
      if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
        process.exitCode = err.exitCode ?? 1;
        return;
      }
      process.stderr.write(`scap-ts: ${e instanceof ScapError ? `${e.name} [${e.code}]: ` : ''}${err.message ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
