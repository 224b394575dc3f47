/**
 * Live output (issue 4): test/triggers/trigger.c runs under a live capture
 * with state, and the lines sysdig's default format gives for its openat,
 * write, connect, accept and execve events name what happened: resolved fds
 * (`fd=3(<f>/path)`, `fd=4(<4t>127.0.0.1:a->127.0.0.1:b)`), process and
 * parent names, users. Checked against the trigger's own report (fd
 * numbers, ports, child pids) and the machine: the file's inode on disk, this
 * process's comm and cwd from /proc, the real path of /bin/true, the user
 * name of our uid. The CLI does the same with a positional filter.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../lib/capture.js';
import { EventFormatter, formatLine } from '../../lib/format/index.js';
import { ROOT, prerequisite } from '../helpers/env.js';

const ccPath = ['/usr/bin/cc', '/usr/bin/gcc'].find((p) => existsSync(p));
const noLive = prerequisite(
  process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux') && ccPath !== undefined,
  'live capture needs root, kernel BTF and a C compiler',
);

interface Report {
  pid: number;
  fd: number;
  wrote: number;
  badFd: number;
  badErrno: number;
  port: number;
  localPort: number;
  exiter: number;
  victim: number;
  execer: number;
}

const work = mkdtempSync(join(tmpdir(), 'scap-format-'));
const trigger = join(work, 'trigger');
const FIELDS = '*%evt.type %evt.dir %proc.name %proc.pid %proc.ppid %proc.pname %proc.exepath %proc.cwd %user.name %fd.name';

function runTrigger(path: string): Promise<Report> {
  return new Promise((resolve, reject) => {
    const p = spawn(trigger, [path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Report) : reject(new Error(`trigger exited ${code}`))));
  });
}

/** The user name of a uid in /etc/passwd. */
function userName(uid: number): string {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
  return line ? line.split(':')[0] : '<NA>';
}

const comm = () => readFileSync('/proc/self/comm', 'utf8').trim();
const ino = (p: string) => statSync(p).ino;

/** What every check below expects of the lines, from the report and the machine. */
function expectTriggerLines(lines: string[], r: Report, path: string): void {
  const has = (re: RegExp, what: string) => expect(lines.some((l) => re.test(l)), `${what}: ${re}\n${lines.slice(0, 40).join('\n')}`).toBe(true);
  const q = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const t = `trigger \\(${r.pid}\\)`;
  // The file: fd resolved to its path, created with O_F_CREATED, the inode the file has on disk.
  has(new RegExp(`${t} < openat fd=${r.fd}\\(<f>${q(path)}\\) dirfd=-100\\(AT_FDCWD\\) name=${q(path)} flags=\\d+\\(O_CREAT\\|O_WRONLY\\|O_CLOEXEC\\|O_F_CREATED\\) mode=0640 dev=[0-9A-F]+ ino=${ino(path)} $`), 'openat');
  has(new RegExp(`${t} < write res=${r.wrote} data=scap-ts-trigger-data-\\S+ fd=${r.fd}\\(<f>${q(path)}\\) size=${r.wrote} $`), 'write');
  has(new RegExp(`${t} < openat fd=-${r.badErrno}\\(ENOENT\\) dirfd=-100\\(AT_FDCWD\\) name=${q(path)}\\.missing/none `), 'failed open');
  // The connection, both ends as the trigger saw them.
  const tuple = q(`127.0.0.1:${r.localPort}->127.0.0.1:${r.port}`);
  has(new RegExp(`${t} < connect res=0 tuple=${tuple} fd=\\d+\\(<4t>${tuple}\\) addr=127\\.0\\.0\\.1:${r.port} $`), 'connect');
  has(new RegExp(`${t} < accept4? fd=\\d+\\(<4t>${tuple}\\) tuple=${tuple} queuepct=`), 'accept');
  // The exec of /bin/true: new name, parent resolved, cwd ours, the real path the kernel resolved.
  has(
    new RegExp(`true \\(${r.execer}\\) < execve res=0 exe=true args=scap-ts-exec-marker\\. tid=${r.execer}\\(true\\) pid=${r.execer}\\(true\\) ptid=${r.pid}\\(trigger\\) cwd=${q(process.cwd())} .* trusted_exepath=${q(realpathSync('/bin/true'))} `),
    'execve of true',
  );
  // The trigger's own exec: its parent is this process, named as /proc names it.
  has(new RegExp(`${t} < execve res=0 exe=${q(trigger)} args=${q(path)}\\. tid=${r.pid}\\(trigger\\) pid=${r.pid}\\(trigger\\) ptid=${process.pid}\\(${q(comm())}\\) `), 'execve of trigger');
}

describe.skipIf(noLive)('live output with state (SCAP_TS_REQUIRE_LIVE=1 makes a missing root/BTF/cc fail)', () => {
  beforeAll(() => {
    execFileSync(ccPath!, ['-O2', '-Wall', '-Wextra', '-Werror', '-o', trigger, join(ROOT, 'test', 'triggers', 'trigger.c')]);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("sysdig's default line and -p fields for the trigger's events, through openCapture and the formatter", async () => {
    const path = join(work, `opened-${process.pid}`);
    const cap = await openCapture({ filter: `proc.apid=${process.pid} and evt.type in (openat, write, connect, accept, accept4, execve)` });
    const fields = new EventFormatter(FIELDS);
    const lines: string[] = [];
    const values: string[] = [];
    const done = runTrigger(path);
    let report: Report | undefined;
    void done.then((r) => (report = r));
    const deadline = setTimeout(() => void cap.close(), 15_000);
    try {
      for await (const e of cap) {
        const l = formatLine(e);
        if (l !== null) lines.push(l);
        values.push(fields.format(e) ?? '');
        // Our report is the trigger's last write; once it came, and the exit is in, we have everything.
        if (report && e.field('evt.type') === 'write' && e.field('fd.num') === 1) break;
      }
    } finally {
      clearTimeout(deadline);
      await cap.close();
    }
    const r = report ?? (await done);
    expectTriggerLines(lines, r, path);
    // Fields read through the same state: names, parent, exe path, cwd and user of the trigger.
    const exe = realpathSync(trigger);
    expect(values).toContain(`openat < trigger ${r.pid} ${process.pid} ${comm()} ${exe} ${process.cwd()}/ ${userName(process.getuid!())} ${path}`);
    expect(values).toContain(`execve < true ${r.execer} ${r.pid} trigger ${realpathSync('/bin/true')} ${process.cwd()}/ ${userName(process.getuid!())} <NA>`);
    // Every event handed out is one the filter accepts: only our descendants, only those types.
    expect(values.every((v) => /^(openat|write|connect|accept|accept4|execve) /.test(v))).toBe(true);
  });

  it('the CLI with a positional filter prints the same lines, live', async () => {
    const path = join(work, `cli-${process.pid}`);
    const cli = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), `proc.apid=${process.pid}`, 'and', 'evt.type', 'in', '(openat, write, connect, accept, accept4, execve)'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => cli.on('close', resolve));
    // Attached once the CLI holds the probe's links.
    const attached = () => {
      try {
        return readdirSync(`/proc/${cli.pid}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${cli.pid}/fd/${fd}`) === 'anon_inode:bpf_link';
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 200 && !attached(); i++) await new Promise((res) => setTimeout(res, 50));
    expect(attached(), err).toBe(true);
    await new Promise((res) => setTimeout(res, 200));
    const r = await runTrigger(path);
    for (let i = 0; i < 60 && !out.includes(`< execve res=0 exe=true`); i++) await new Promise((res) => setTimeout(res, 50));
    await new Promise((res) => setTimeout(res, 300));
    cli.kill('SIGINT');
    expect(await exited, err).toBe(0);
    expectTriggerLines(out.split('\n'), r, path);
  });
});
