/**
 * join / concat / getopt and the oneof / anyof / allof modifiers end to end:
 * the real field registry on events built with the encoder and run through
 * the Inspector (the reference's evaluation cases 17, 46, 51 and 52, and its
 * compile cases 19 and 38), each filter through the generated function, the
 * closures and the interpreter, which must agree.
 */
import { describe, expect, it } from 'vitest';
import { EventBatch, PPME, encodeEvent, type Event } from '../../lib/events/index.js';
import { fields } from '../../lib/fields/index.js';
import { FilterCompileError, compileFilter } from '../../lib/filter/index.js';
import type { ThreadRecord } from '../../lib/scapfile/metadata.js';
import { Inspector } from '../../lib/state/index.js';

function thread(tid: number, over: Partial<ThreadRecord> = {}): ThreadRecord {
  return {
    tid, pid: tid, ptid: 1, sid: tid, vpgid: tid, pgid: tid, comm: 'myexe', exe: '/myexe', exepath: '/myexe', args: ['-n', '-t', 'hello'], cwd: '/tmp',
    fdlimit: 1024n, flags: 0, uid: 1000, gid: 1000, vmsizeKb: 0, vmrssKb: 0, vmswapKb: 0, pfmajor: 0n, pfminor: 0n,
    env: [], vtid: tid, vpid: tid, cgroups: [], root: '/', pidnsInitStartTs: 0n, tty: 0,
    loginuid: 1000, exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false,
    exeLowerLayer: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n, exeFromMemfd: false, ...over,
  };
}

let ts = 1_700_000_000_000_000_000n;
function ev(insp: Inspector, type: number, tid: number, params: Record<string, unknown> | unknown[]): Event {
  const e = EventBatch.fromEvents([encodeEvent({ type, ts: (ts += 1000n), tid, params })]).at(0);
  insp.process(e);
  return e;
}

const STRATEGIES = ['codegen', 'closure', 'interpret'] as const;

/** The filter's result on the event; the three strategies must agree. */
function match(filter: string, e: Event): boolean {
  const results = STRATEGIES.map((strategy) => compileFilter(filter, fields, { strategy }).match(e, e.state));
  expect(results, filter).toEqual([results[0], results[0], results[0]]);
  return results[0];
}

function compileError(filter: string): FilterCompileError {
  try {
    compileFilter(filter, fields);
  } catch (e) {
    if (e instanceof FilterCompileError) return e;
    throw e;
  }
  throw new Error(`compiled, but should not: ${filter}`);
}

/**
 * myexe (pid 100) opens /tmp/file_to_run (fd 5). Like libsinsp, filters read
 * an event right after the Inspector processed it: each test makes its own.
 */
function opened(): Event {
  return ev(new Inspector({ processes: [thread(100)] }, {}), PPME.SYSCALL_OPENAT_2_X, 100, { fd: 5, dirfd: -100, name: '/tmp/file_to_run', flags: 1, mode: 0, dev: 0, ino: 7n });
}

/** An event of myexe without an fd. */
function getuid(): Event {
  return ev(new Inspector({ processes: [thread(100)] }, {}), PPME.SYSCALL_GETUID_E, 100, {});
}

describe('join, concat and modifiers on an open of /tmp/file_to_run by myexe', () => {

  it('join over fields (reference case 17)', () => {
    const open = opened();
    expect(match('join("-", (fd.name, fd.directory)) = /tmp/file_to_run-/tmp', open)).toBe(true);
    expect(match('join("-", (fd.name, fd.directory)) = /tmp/test', open)).toBe(false);
    expect(match('join("-", ()) = /tmp', open)).toBe(false);
    expect(match('join("-", ()) = ""', open)).toBe(true);
    expect(match('len(join("-", (fd.name, fd.directory))) > 5', open)).toBe(true);
    expect(match('len(join("-", (fd.name, fd.directory))) = 21', open)).toBe(true);
    expect(match('join(",", (proc.pid, fd.num, "x")) = "100,5,x"', open)).toBe(true); // numbers in decimal
    expect(match('join("-", (fd.name, fd.directory)) exists', getuid())).toBe(false); // no fd: no value
    expect(match('join("-", (fd.name, fd.directory)) != x', getuid())).toBe(false);
  });

  it('basename, len and concat (reference case 52)', () => {
    const open = opened();
    expect(match('basename(fd.name) = file_to_run', open)).toBe(true);
    expect(match('len(fd.name) = 16', open)).toBe(true);
    expect(match('concat(fd.name, "aaa") = /tmp/file_to_runaaa', open)).toBe(true);
    expect(match('fd.name = concat(fd.directory, "/", fd.filename)', open)).toBe(true);
    expect(match('concat(proc.name, ":", fd.filename) = myexe:file_to_run', open)).toBe(true);
  });

  it('oneof, anyof, allof on proc.name (reference case 51)', () => {
    const open = opened();
    expect(match('proc.name == oneof (myexe, myexe)', open)).toBe(false);
    expect(match('proc.name == anyof (myexe, myexe)', open)).toBe(true);
    expect(match('proc.name contains allof (my, exe)', open)).toBe(true);
    expect(match('proc.name != allof (myexe, bash)', open)).toBe(false);
    expect(match('proc.name != allof (bash, sh)', getuid())).toBe(true);
    expect(match('evt.type == oneof (openat, open) and fd.name startswith anyof (/etc, /tmp)', open)).toBe(true);
    expect(match('fd.name != allof (/etc/passwd)', getuid())).toBe(false); // no fd: false, != included
  });

  it('getopt needs a list: proc.args is one string (reference case 19 parses, and compiles no more than in libsinsp)', () => {
    expect(compileError('getopt(proc.args, "nt:")["t"] = value')).toMatchObject({ column: 8, token: 'proc.args', reason: 'getopt() first argument must be a list' });
    expect(match('getopt(("-n", "-t", proc.name), "nt:")[t] = myexe', opened())).toBe(true);
    expect(match('getopt(("-n", "-t", fd.name), "nt:") intersects (/tmp/file_to_run)', getuid())).toBe(false); // no fd: no value
  });

  it('evt.around compares with its own window and takes no modifier', () => {
    const t = opened().ts;
    expect(compileError(`evt.around[${t}] = anyof (1)`)).toMatchObject({ column: `evt.around[${t}] `.length + 1, token: '=', reason: `field 'evt.around[${t}]' does not support the '= anyof' operator` });
  });
});

describe('modifiers on a connection 172.40.111.222:54321 -> 142.251.111.147:443 (reference cases 38, 46)', () => {
  const insp = new Inspector({ processes: [thread(100)] }, {});
  ev(insp, PPME.SOCKET_SOCKET_E, 100, { domain: 2, type: 1, proto: 0 });
  ev(insp, PPME.SOCKET_SOCKET_X, 100, [8]);
  ev(insp, PPME.SOCKET_CONNECT_E, 100, { fd: 8, addr: { family: 2, addr: '142.251.111.147', port: 443 } });
  const conn = ev(insp, PPME.SOCKET_CONNECT_X, 100, { res: 0, tuple: { family: 2, sip: '172.40.111.222', sport: 54321, dip: '142.251.111.147', dport: 443 } });

  it('compares addresses and networks', () => {
    expect(match('fd.sip == 142.251.111.147', conn)).toBe(true);
    expect(match('fd.cip == 172.40.111.222', conn)).toBe(true);
    expect(match('fd.net == 142.251.0.0/8', conn)).toBe(true);
    expect(match('fd.net != 10.0.0.0/8', conn)).toBe(true);
    expect(match("fd.sip == '0:0:0:0:0:0:0:1'", conn)).toBe(false);
    expect(match('fd.sip == oneof (10.0.0.1, 142.251.111.147)', conn)).toBe(true);
    expect(match('fd.sip == allof (142.251.111.147, 10.0.0.1)', conn)).toBe(false);
  });

  it('matches either end for fd.ip, fd.port and fd.net; != holds when neither end matches', () => {
    expect(match('fd.ip == anyof (127.0.0.1)', conn)).toBe(false);
    expect(match('fd.ip == anyof (127.0.0.1, 172.40.111.222)', conn)).toBe(true);
    expect(match('fd.ip != allof (1.1.1.1, 2.2.2.2)', conn)).toBe(true);
    expect(match('fd.ip != allof (1.1.1.1, 172.40.111.222)', conn)).toBe(false);
    expect(match('fd.port == oneof (80, 443)', conn)).toBe(true);
    expect(match('fd.snet == oneof (10.0.0.0/8, 142.251.0.0/16)', conn)).toBe(true);
  });

  it('accepts only == and != with a modifier on addresses and networks', () => {
    for (const ok of ['fd.ip = 127.0.0.1', 'fd.ip == anyof (127.0.0.1)', 'fd.ip != allof (127.0.0.1)', 'fd.net = 127.0.0.1/32', 'fd.net == oneof (127.0.0.1/32)']) {
      expect(() => compileFilter(ok, fields), ok).not.toThrow();
    }
    expect(compileError('fd.ip < 127')).toMatchObject({ column: 7, token: '<', reason: "'<' operator not supported for ip address and network filters" });
    expect(compileError('fd.ip contains anyof (127.0.0.1)')).toMatchObject({ column: 7, token: 'contains', reason: "'contains' with modifier not supported for ip address and network filters" });
    expect(compileError('fd.net startswith allof (127.0.0.1/32)')).toMatchObject({ column: 8, token: 'startswith' });
  });
});
