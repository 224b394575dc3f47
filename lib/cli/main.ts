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
import type { EventContext } from '../state/context.js';
import { BUF, listFields, timeSettings, type TimeMode } from '../fields/index.js';
import { EventPipeline, compileCaptureFilter, kernelSyscalls } from '../pipeline.js';
import { CONTAINER_FORMAT, DEFAULT_FORMAT, EventFormatter, isPrintable, unescapeFormat } from '../format/index.js';
import { cliPlugins, describePlugins } from './plugins.js';

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

interface CliOptions {
  read?: string;
  kmod?: boolean;
  write?: string;
  numevents?: number;
  seconds?: number;
  snaplen?: number;
  summary?: boolean;
  quiet?: boolean;
  listEvents?: boolean;
  list?: boolean;
  print?: string;
  json?: boolean;
  printAscii?: boolean;
  printHex?: boolean;
  printHexAscii?: boolean;
  printBase64?: boolean;
  verbose?: boolean;
  timetype?: string;
  plugin?: string[];
  input?: string;
  pluginConfigFile?: string;
  listPlugins?: boolean;
}

/** Lines for stdout, encoded into one reused buffer: cheaper than building and converting large strings. */
class LineSink {
  #buf = Buffer.allocUnsafe(1 << 20);
  #off = 0;
  constructor(private readonly write: (b: Uint8Array) => void) {}
  line(s: string): void {
    if (this.#off + s.length * 3 + 1 > this.#buf.length) this.flush();
    if (s.length * 3 + 1 > this.#buf.length) this.#buf = Buffer.allocUnsafe(s.length * 3 + 1);
    this.#off += this.#buf.write(s, this.#off);
    this.#buf[this.#off++] = 10;
  }
  flush(): void {
    if (this.#off === 0) return;
    this.write(Buffer.from(this.#buf.subarray(0, this.#off)));
    this.#off = 0;
  }
}

const defaultOut = (s: string): void => {
  process.stdout.write(s);
};

export async function run(argv: readonly string[], out: (s: string) => void = defaultOut): Promise<number> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('scap-ts')
    .description('Read, filter and write Falco/sysdig .scap captures')
    .argument('[filter...]', "a Falco/sysdig filter, e.g. 'proc.name=cat and evt.type=openat' (the words are joined with spaces); with --ptrace, the program to trace and its arguments follow --")
    .version(pkg.version, '--version')
    .option('-r, --read <file>', 'read events from a .scap file (plain or gzip) instead of capturing live')
    .option('--kmod', 'capture live with the kernel module (driver/kmod, loaded) instead of the eBPF probe')
    .option('-w, --write <file>', 'write the events read to a .scap file (gzip when it ends in .gz)')
    .option('-n, --numevents <n>', 'stop after n events', positiveInt)
    .option('-M, --seconds <s>', 'stop after s seconds', positiveInt)
    .option('-s, --snaplen <bytes>', 'bytes of I/O data captured per event (live)', positiveInt)
    .option('-S, --summary', 'print the per-event-type count table at the end, as sysdig -S')
    .option('-q, --quiet', 'do not print events')
    .option('-L, --list-events', 'list the event types and their parameters')
    .option('-l, --list', 'list the fields filters and -p formats can use')
    .option('-p, --print <format>', "output format: %field tokens (%Nfield for a width), '*' first to print events with missing fields; 'p' shows the default, 'c' the container one")
    .option('-j, --json', 'print events as JSON objects')
    .option('-A, --print-ascii', 'print the printable characters of data buffers, with their line breaks')
    .option('-x, --print-hex', 'print data buffers in hex')
    .option('-X, --print-hex-ascii', 'print data buffers in hex and ASCII')
    .option('-b, --print-base64', 'print data buffers in base64')
    .option('-v, --verbose', 'do not cut data buffers at 80 characters')
    .option('--ptrace', 'trace the command given after -- with ptrace (no eBPF, no root needed), as pdig')
    .option('-a, --ptrace-all', 'with --ptrace: trace every syscall, not only the covered ones through the seccomp filter')
    .option('--ptrace-pid <pid>', 'trace a running process with ptrace (detached again at the end)', positiveInt)
    .option('-t, --timetype <type>', 'evt.outputtime: h (local time, default), a (absolute seconds), r (since the first event), d (event latency), D (since the previous event)')
    .option('-H, --plugin <name_or_path[:initconfig]>', 'load a plugin (a name looked up in $SCAP_TS_PLUGIN_DIR, or a path), with its init config; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('-I, --input <name[:openparams]>', "read events from a source plugin with its open params; '-Il' lists the loaded plugins")
    .option('--plugin-config-file <file>', "load plugins from a falco.yaml-style file ('plugins' and 'load_plugins')")
    .option('--list-plugins', 'list the loaded plugins, as -Il')
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const o = program.opts<CliOptions & { ptrace?: boolean; ptraceAll?: boolean; ptracePid?: number }>();
  // Words after `--` are the command to trace; the ones before are the filter.
  const dashes = argv.indexOf('--');
  const command = dashes >= 0 ? argv.slice(dashes + 1) : [];
  const filterWords = program.args.slice(0, program.args.length - command.length);
  if (o.ptrace && command.length === 0) throw new InvalidArgumentError('--ptrace needs a command after --');
  if (!o.ptrace && command.length > 0) throw new InvalidArgumentError(`unexpected command '${command[0]}' after -- (a command to trace needs --ptrace)`);

  if (o.listEvents) {
    out(listEvents());
    return 0;
  }
  if (o.list) {
    out(listFields());
    return 0;
  }
  const filterText = filterWords.join(' ').trim();
  const plugins = cliPlugins(o);
  // Compiled before anything is opened, so a bad filter fails at once with its position; with
  // plugins, once they are loaded, since their fields may be used.
  let filter = filterText === '' || plugins.config !== undefined ? undefined : compileCaptureFilter(filterText);
  let format = DEFAULT_FORMAT;
  if (o.print === 'p') {
    out(`${format}\n`);
    return 0;
  }
  if (o.print === 'c' || o.print === 'container') format = CONTAINER_FORMAT;
  else if (o.print !== undefined) format = o.print;
  const bufFlags = [o.printAscii, o.printHex, o.printHexAscii, o.printBase64].filter(Boolean).length;
  if (bufFlags > 1) throw new InvalidArgumentError('only one of -A, -x, -X, -b can be given');
  const bufferFormat = o.printAscii ? BUF.EOLS : o.printHex ? BUF.HEX : o.printHexAscii ? BUF.HEXASCII : o.printBase64 ? BUF.BASE64 : BUF.NORMAL;
  if (o.timetype !== undefined && !['h', 'a', 'r', 'd', 'D'].includes(o.timetype)) {
    throw new InvalidArgumentError(`invalid -t value '${o.timetype}' (h, a, r, d or D)`);
  }
  timeSettings.mode = (o.timetype ?? 'h') as TimeMode;
  if (plugins.list) {
    out(await describePlugins(plugins.config));
    return 0;
  }
  // Live capture through the eBPF probe is the default source, as in sysdig.
  const signal = o.seconds ? AbortSignal.timeout(o.seconds * 1000) : undefined;
  const live = !o.read && !plugins.input;
  const fileSource = o.read ? { file: o.read } : undefined;
  const ptraceSource = o.ptrace
    ? { ptrace: { command, full: o.ptraceAll } }
    : o.ptracePid
      ? { ptrace: { pid: o.ptracePid, full: o.ptraceAll } }
      : undefined;
  // Raw events from the capture; the state and the filter run here, event by event. Live, the kernel
  // keeps only the syscalls the filter can match and those the state needs.
  const capture = await openCapture({
    ...(plugins.input ? { sources: fileSource ? [fileSource, plugins.input] : [plugins.input] } : { source: fileSource ?? ptraceSource ?? (o.kmod ? ('kmod' as const) : ('bpf' as const)) }),
    plugins: plugins.config,
    signal,
    snaplen: o.snaplen,
    state: false,
    syscalls: live && !ptraceSource && !plugins.config ? kernelSyscalls(filter) : undefined,
  });
  if (filterText !== '' && filter === undefined) filter = compileCaptureFilter(filterText);
  // After the capture is open: plugin fields are known from then on.
  const formatter = new EventFormatter(unescapeFormat(format), {
    json: o.json,
    render: { bufferFormat, maxBufferLength: o.verbose ? 0 : 80 },
  });
  const hook = capture.eventHook;
  const showProgress = plugins.input !== undefined && process.stderr.isTTY === true && out === defaultOut;
  const writer = o.write ? await ScapWriter.create(o.write, capture.metadata) : undefined;
  const summary = o.summary ? new EventSummary() : undefined;
  const pipeline = new EventPipeline(capture.metadata, { live, filter });
  const limit = o.numevents ?? Infinity;
  let num = 0;
  let section: ScapSection | undefined;
  const sink = new LineSink(out === defaultOut ? (b) => process.stdout.write(b) : (b) => out(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')));
  const stop = () => void capture.close();
  process.once('SIGINT', stop);
  try {
    // As libsinsp's dumper: the plugins' state dumps (plugin_dump_state) are the file's first events.
    if (writer && capture.plugins) for (const b of capture.plugins.dumpState()) writer.writeEvent(b);
    outer: for await (const raw of capture.batches()) {
      // Live: containers whose runtime metadata came meanwhile are announced first (and written with -w).
      const notices = pipeline.takeContainerEvents();
      for (const batch of notices ? [notices, raw] : [raw]) {
        const sec = (batch as { section?: ScapSection }).section;
        if (writer && sec && section && sec !== section) writer.beginSection(sec);
        // Each section of a concatenated file starts from its own state, as sysdig restarts its capture there.
        pipeline.begin(batch);
        section = sec;
        for (let i = 0; i < batch.length; i++) {
          if (num >= limit) break outer;
          const e = batch.at(i);
          num++;
          hook?.(e);
          const pass = pipeline.accept(e);
          const ctx = e.state as EventContext;
          if (pass || !filter) writer?.writeEvent(e);
          if (!pass || ctx.filteredOut || ctx.preamble) continue;
          summary?.add(e);
          if (o.quiet || !isPrintable(e, ctx)) continue;
          // Like sysdig, a live capture leaves out the capturing process itself.
          if (live && ctx.tinfo?.pid === process.pid) continue;
          const line = formatter.format(e, ctx);
          if (line !== null) sink.line(line);
        }
      }
      sink.flush();
      await writer?.flush(false);
      const pct = showProgress ? capture.progress() : null;
      if (pct !== null) process.stderr.write(`\rprogress: ${(pct * 100).toFixed(2)}%`);
    }
    if (showProgress) process.stderr.write('\n');
  } finally {
    sink.flush();
    process.off('SIGINT', stop);
    pipeline.close();
    await capture.close();
    await writer?.close();
  }
  const st = capture.stats();
  if (!o.read && st.drops.total > 0) process.stderr.write(`scap-ts: ${st.drops.total} events dropped by the kernel probe (ring full ${st.drops.ringFull}, too large ${st.drops.tooLarge})\n`);
  if (summary) out(summary.format());
  // --ptrace: exit as the traced program did.
  const exit = capture.ptrace?.stats().exit;
  if (o.ptrace && exit) return exit.code ?? 128 + (exit.signal ?? 0);
  return 0;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain || process.argv[1]?.endsWith('/scap-ts')) {
  // A reader that goes away (`| head`) ends the output quietly, as for other tools.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
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
