import { describe, expect, it } from 'vitest';
import {
  Event,
  EventBatch,
  EventDecodeError,
  EVENT_HEADER_V1_SIZE,
  PPME,
  encodeEvent,
  assembleEvent,
  flagNames,
  FLAG_TABLES,
  errnoName,
  syscallName,
} from '../../lib/events/index.js';

const view = (bytes: Uint8Array) => new Event(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);

describe('Event view and encoder', () => {
  it('decodes an open exit and renders it as sysdig does', () => {
    const bytes = encodeEvent({
      type: PPME.SYSCALL_OPEN_X,
      ts: 1_700_000_000_123_456_789n,
      tid: 4242,
      params: { fd: 3, name: '/etc/passwd', flags: 4097, mode: 0o644, dev: 0x803, ino: 1234n },
    });
    const e = view(bytes);
    expect(e.ts).toBe(1_700_000_000_123_456_789n);
    expect(e.tid).toBe(4242);
    expect(e.type).toBe(3);
    expect(e.len).toBe(bytes.length);
    expect(e.nparams).toBe(6);
    expect(e.name).toBe('open');
    expect(e.direction).toBe('<');
    expect(e.params()).toEqual({ fd: 3, name: '/etc/passwd', flags: 4097, mode: 0o644, dev: 0x803, ino: 1234n });
    expect(e.args()).toBe('fd=3 name=/etc/passwd flags=4097(O_RDONLY|O_CLOEXEC) mode=0644 dev=803 ino=1234');
    if (e.is(PPME.SYSCALL_OPEN_X)) {
      // Typed access: the compiler knows open's parameters.
      const name: string | null = e.param('name');
      expect(name).toBe('/etc/passwd');
    } else {
      throw new Error('is() should narrow to open exit');
    }
  });

  it('renders errno results with their names', () => {
    const e = view(encodeEvent({ type: PPME.SYSCALL_CLOSE_X, ts: 1n, tid: 1, params: [-2, 7] }));
    expect(e.args()).toBe('res=-2(ENOENT) fd=7');
    expect(errnoName(13)).toBe('EACCES');
  });

  it('round-trips sockaddrs and socktuples of every family', () => {
    const cases = [
      { family: 2, addr: '10.0.0.79', port: 22 },
      { family: 10, addr: '2001:db8::3', port: 1234 },
      { family: 10, addr: '::ffff:127.0.0.1', port: 80 },
      { family: 1, path: '/run/docker.sock' },
    ];
    for (const addr of cases) {
      const e = view(encodeEvent({ type: PPME.SOCKET_CONNECT_E, ts: 1n, tid: 1, params: { fd: 3, addr } }));
      expect(e.param('addr')).toEqual(addr);
    }
    const tuple = { family: 2, sip: '10.0.0.1', sport: 40000, dip: '1.1.1.1', dport: 53 };
    const x = view(encodeEvent({ type: PPME.SOCKET_CONNECT_X, ts: 1n, tid: 1, params: { res: 0, tuple, fd: 3 } }));
    expect(x.param('tuple')).toEqual(tuple);
    expect(x.render(1).value).toBe('10.0.0.1:40000->1.1.1.1:53');
    const unix = { family: 1, source: 0xffff888012345678n, dest: 0xffff888087654321n, path: '/tmp/s' };
    const u = view(encodeEvent({ type: PPME.SOCKET_CONNECT_X, ts: 1n, tid: 1, params: { res: 0, tuple: unix, fd: 3 } }));
    expect(u.param('tuple')).toEqual(unix);
    expect(u.render(1).value).toBe('ffff888012345678->ffff888087654321 /tmp/s');
  });

  it('decodes fd lists, dynamic params, byte buffers and string lists', () => {
    const poll = view(encodeEvent({ type: PPME.SYSCALL_POLL_X, ts: 1n, tid: 1, params: [1, [{ fd: 4, flags: 1 }, { fd: 9, flags: 4 }]] }));
    expect(poll.param('fds')).toEqual([{ fd: 4, flags: 1 }, { fd: 9, flags: 4 }]);
    const ptrace = view(encodeEvent({ type: PPME.SYSCALL_PTRACE_X, ts: 1n, tid: 1, params: [0, { index: 0, type: 8, value: 0x1000n }, { index: 1, type: 19, value: 9 }] }));
    expect(ptrace.param('addr')).toEqual({ index: 0, type: 8, value: 0x1000n });
    expect(ptrace.param('data')).toEqual({ index: 1, type: 19, value: 9 });
    expect(ptrace.render(2)).toEqual({ value: '9', resolved: 'SIGKILL' });
    const read = view(encodeEvent({ type: PPME.SYSCALL_READ_X, ts: 1n, tid: 1, params: [5, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0])] }));
    expect(read.param('data')).toEqual(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0]));
    expect(read.render(1).value).toBe('.ELF.');
  });

  it('gives null for absent and empty params, and sysdig placeholders when rendering them', () => {
    const e = view(encodeEvent({ type: PPME.SYSCALL_READ_X, ts: 1n, tid: 1, params: [5, null] }));
    expect(e.param('data')).toBeNull();
    expect(e.render(1).value).toBe('NULL');
    const short = view(encodeEvent({ type: PPME.SYSCALL_OPEN_X, ts: 1n, tid: 1, params: [3, '/x'] }));
    expect(short.nparams).toBe(2);
    expect(short.param('ino')).toBeNull();
    expect(short.param('no-such-param')).toBeNull();
  });

  it('reads 64-bit values exactly on both sides of the shared small-BigInt range', () => {
    const u64 = [0n, 1n, 65535n, 65536n, 0x1_0000_0000n, 0x1_0000_0005n, 0xffff_ffff_ffff_ffffn];
    for (const cpu_usr of u64) {
      const e = view(encodeEvent({ type: PPME.PROCINFO_E, ts: 1n, tid: 1, params: { cpu_usr, cpu_sys: 7n } }));
      expect(e.params()).toEqual({ cpu_usr, cpu_sys: 7n });
      expect(e.param(0)).toBe(cpu_usr);
    }
    for (const timeout of [0n, 4n, 65535n, 65536n, 0x1_0000_0000n, -1n, -65536n, -0x8000_0000_0000_0000n]) {
      const e = view(encodeEvent({ type: PPME.SYSCALL_POLL_E, ts: 1n, tid: 1, params: { fds: [], timeout } }));
      expect(e.params()).toEqual({ fds: [], timeout });
      expect(e.param(1)).toBe(timeout);
    }
  });

  it('uses 32-bit length arrays for large-payload events', () => {
    const data = new Uint8Array(70_000).fill(0x41);
    const bytes = encodeEvent({ type: PPME.PLUGINEVENT_E, ts: 1n, tid: 0, params: [999, data] });
    expect(bytes.length).toBe(26 + 2 * 4 + 4 + 70_000);
    const e = view(bytes);
    expect(e.param('plugin_id')).toBe(999);
    expect((e.param('event_data') as Uint8Array).length).toBe(70_000);
    expect(() => encodeEvent({ type: PPME.SYSCALL_WRITE_X, ts: 1n, tid: 1, params: [0, data] })).toThrow(/large-payload/);
  });

  it('reads 22-byte-header events of old captures and widens them', () => {
    const current = encodeEvent({ type: PPME.SYSCALL_OPEN_X, ts: 5n, tid: 6, params: [3, '/etc/hosts', 1, 0, 0] });
    const old = new Uint8Array(current.length - 4);
    old.set(current.subarray(0, EVENT_HEADER_V1_SIZE));
    old.set(current.subarray(26), EVENT_HEADER_V1_SIZE);
    new DataView(old.buffer).setUint32(16, old.length, true);
    const e = new Event(old, new DataView(old.buffer), 0, 0, 0, EVENT_HEADER_V1_SIZE);
    expect(e.nparams).toBe(5);
    expect(e.param('name')).toBe('/etc/hosts');
    expect(e.toBytes()).toEqual(current);
  });

  it('keeps events of unknown types raw', () => {
    const bytes = assembleEvent(600, 1n, 1, [new Uint8Array([1, 2, 3])]);
    const e = view(bytes);
    expect(e.info).toBeUndefined();
    expect(e.name).toBe('unknown');
    expect(e.raw(0)).toEqual(new Uint8Array([1, 2, 3]));
    expect(e.param(0)).toEqual(new Uint8Array([1, 2, 3]));
    expect(e.args()).toBe('');
  });

  it('rejects a fixed-size param of the wrong size with a typed error', () => {
    const bytes = assembleEvent(PPME.SYSCALL_CLOSE_X, 1n, 1, [new Uint8Array(4), new Uint8Array(8)]);
    const e = view(bytes);
    expect(() => e.param(0)).toThrow(EventDecodeError);
    try {
      e.param(0);
    } catch (err) {
      expect((err as EventDecodeError).code).toBe('PARAM_SIZE');
      expect((err as EventDecodeError).paramIndex).toBe(0);
    }
  });

  it('resolves flags like libsinsp: exact zero, no duplicates, table order', () => {
    expect(flagNames(FLAG_TABLES.file_flags, 4097)).toBe('O_RDONLY|O_CLOEXEC');
    expect(flagNames(FLAG_TABLES.prot_flags, 3)).toBe('PROT_READ|PROT_WRITE');
    expect(flagNames(FLAG_TABLES.mmap_flags, 10)).toBe('MAP_PRIVATE|MAP_ANONYMOUS');
    expect(flagNames(FLAG_TABLES.access_flags, 0)).toBe('F_OK');
    expect(syscallName(75)).toBe('mprotect');
  });

  it('batches index events without building objects', () => {
    const evs = [1n, 2n, 3n].map((ts) => encodeEvent({ type: PPME.SYSCALL_CLOSE_X, ts, tid: Number(ts), params: [0, 1] }));
    const b = EventBatch.fromEvents(evs, 1);
    expect(b.length).toBe(3);
    expect([b.ts(0), b.ts(2)]).toEqual([1n, 3n]);
    expect(b.type(1)).toBe(PPME.SYSCALL_CLOSE_X);
    expect(b.tid(2)).toBe(3);
    expect([...b].map((e) => e.cpu)).toEqual([1, 1, 1]);
    expect(() => b.at(3)).toThrow(RangeError);
  });
});

describe('generic events', () => {
  it('are named after their syscall, as sysdig names them', () => {
    const e = view(encodeEvent({ type: PPME.GENERIC_X, ts: 1n, tid: 1, params: [75, 10] }));
    expect(e.name).toBe('mprotect');
    expect(e.args()).toBe('');
  });
});
