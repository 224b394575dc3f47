/**
 * A synthetic trace of state transitions sysdig's fixtures do not exercise
 * (0.29's event layouts: enter and exit pairs), written with the encoder:
 * see test/compat/sysdig-scenario.test.ts for what it holds. The output and
 * filter differential tests both read it.
 */
import { PPME, encodeEvent } from '../../lib/events/index.js';
import { ScapReader, ScapWriter } from '../../lib/scapfile/index.js';
import { fixture } from './env.js';

export async function writeScenario(out: string): Promise<void> {
  const r = await ScapReader.open(fixture('cat_write'));
  for await (const _ of r.batches()) break;
  await using w = await ScapWriter.create(out, r.section);
  await r.close();
  let ts = 1_470_327_477_000_000_000n;
  const enc = new TextEncoder();
  const E = (type: number, tid: number, params: unknown[]) => w.writeEvent(encodeEvent({ type, ts: (ts += 1000n), tid, params }));
  const B = (s: string) => enc.encode(s);
  const PARENT = 11310; // bash in the process list
  const C = 30000;
  const clone = (tid: number, res: number, child: number, flags = 0, comm = 'bash', vtid = tid, ptid = 1) => E(PPME.SYSCALL_CLONE_20_X, tid, [res, '/bin/bash', B('-c\0x\0'), tid, flags & (1 << 13) ? PARENT : tid, ptid, '/home', 1024n, 0n, 1n, 100, 10, 0, comm, B('cpu=/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\0'), flags, 1000, 1000, vtid, tid]);
  // fork a child (parent side, then child side)
  E(PPME.SYSCALL_CLONE_20_E, PARENT, []);
  clone(PARENT, C, C);
  clone(C, 0, C, 0, 'bash', C, PARENT);
  // execve in the child
  E(PPME.SYSCALL_EXECVE_19_E, C, ['./run.sh']);
  E(PPME.SYSCALL_EXECVE_19_X, C, [0, 'sh', B('run.sh\0--flag\0'), C, C, PARENT, '/home/u', 1024n, 0n, 5n, 200, 20, 0, 'sh', B('cpu=/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\0memory=/x\0'), B('HOME=/root\0PATH=/bin\0'), 34816, C, 1000, 1]);
  // relative open, chdir, getcwd, fchdir
  E(PPME.SYSCALL_OPEN_E, C, ['data/../conf.txt', 1, 0]);
  E(PPME.SYSCALL_OPEN_X, C, [3, 'data/../conf.txt', 1, 0, 0x803]);
  E(PPME.SYSCALL_READ_E, C, [3, 100]);
  E(PPME.SYSCALL_READ_X, C, [12, B('key=value\nx\n')]);
  E(PPME.SYSCALL_CHDIR_E, C, []);
  E(PPME.SYSCALL_CHDIR_X, C, [0, '/var/lib/../tmp/']);
  E(PPME.SYSCALL_OPEN_E, C, ['f1', 1 | 2 | 4, 0o644]);
  E(PPME.SYSCALL_OPEN_X, C, [4, 'f1', 7, 0o644, 0]);
  E(PPME.SYSCALL_OPEN_E, C, ['/etc', 1 << 10, 0]);
  E(PPME.SYSCALL_OPEN_X, C, [5, '/etc', 1 << 10, 0, 0]);
  E(PPME.SYSCALL_OPENAT_2_E, C, [5, 'hosts', 1, 0]);
  E(PPME.SYSCALL_OPENAT_2_X, C, [6, 5, 'hosts', 1, 0, 0]);
  E(PPME.SYSCALL_OPENAT_2_E, C, [-100, 'missing', 1, 0]);
  E(PPME.SYSCALL_OPENAT_2_X, C, [-2, -100, 'missing', 1, 0, 0]);
  E(PPME.SYSCALL_FCHDIR_E, C, [5]);
  E(PPME.SYSCALL_FCHDIR_X, C, [0]);
  E(PPME.SYSCALL_GETCWD_E, C, []);
  E(PPME.SYSCALL_GETCWD_X, C, [0, '/etc']);
  E(PPME.SYSCALL_OPEN_E, C, ['passwd', 1, 0]);
  E(PPME.SYSCALL_OPEN_X, C, [7, 'passwd', 1, 0, 0]);
  // dup, fcntl dupfd, pipe, eventfd, close
  E(PPME.SYSCALL_DUP_E, C, [7]);
  E(PPME.SYSCALL_DUP_X, C, [1]);
  E(PPME.SYSCALL_FCNTL_E, C, [7, 1]);
  E(PPME.SYSCALL_FCNTL_X, C, [20]);
  E(PPME.SYSCALL_FCNTL_E, C, [7, 3]);
  E(PPME.SYSCALL_FCNTL_X, C, [0]);
  E(PPME.SYSCALL_PIPE_E, C, []);
  E(PPME.SYSCALL_PIPE_X, C, [0, 8, 9, 4242n]);
  E(PPME.SYSCALL_EVENTFD_E, C, [0n, 0]);
  E(PPME.SYSCALL_EVENTFD_X, C, [10]);
  E(PPME.SYSCALL_WRITE_E, C, [9, 5]);
  E(PPME.SYSCALL_WRITE_X, C, [5, B('hello')]);
  E(PPME.SYSCALL_CLOSE_E, C, [8]);
  E(PPME.SYSCALL_CLOSE_X, C, [0]);
  E(PPME.SYSCALL_CLOSE_E, C, [99]);
  E(PPME.SYSCALL_CLOSE_X, C, [-9]);
  E(PPME.SYSCALL_POLL_E, C, [[{ fd: 9, flags: 1 }, { fd: 10, flags: 4 }, { fd: 77, flags: 1 }], 1000n]);
  E(PPME.SYSCALL_POLL_X, C, [1, [{ fd: 9, flags: 1 }]]);
  // TCP client
  E(PPME.SOCKET_SOCKET_E, C, [2, 1, 0]);
  E(PPME.SOCKET_SOCKET_X, C, [11]);
  E(PPME.SOCKET_CONNECT_E, C, [11, { family: 2, addr: '10.0.2.2', port: 8080 }]);
  E(PPME.SOCKET_CONNECT_X, C, [-115, { family: 2, sip: '10.0.2.15', sport: 51234, dip: '10.0.2.2', dport: 8080 }]);
  E(PPME.SYSCALL_WRITE_E, C, [11, 4]);
  E(PPME.SYSCALL_WRITE_X, C, [4, B('GET ')]);
  // UDP without connect: sendto / recvfrom
  E(PPME.SOCKET_SOCKET_E, C, [2, 2, 0]);
  E(PPME.SOCKET_SOCKET_X, C, [12]);
  E(PPME.SOCKET_SENDTO_E, C, [12, 10, { family: 2, sip: '0.0.0.0', sport: 0, dip: '8.8.8.8', dport: 53 }]);
  E(PPME.SOCKET_SENDTO_X, C, [10, B('0123456789')]);
  E(PPME.SOCKET_RECVFROM_E, C, [12, 512]);
  E(PPME.SOCKET_RECVFROM_X, C, [4, B('resp'), { family: 2, sip: '8.8.8.8', sport: 53, dip: '10.0.2.15', dport: 40000 }]);
  E(PPME.SYSCALL_READ_E, C, [12, 10]);
  E(PPME.SYSCALL_READ_X, C, [3, B('abc')]);
  // sendto on an fd never created (inferred UDP)
  E(PPME.SOCKET_SENDTO_E, C, [13, 3, { family: 2, sip: '0.0.0.0', sport: 0, dip: '1.1.1.1', dport: 123 }]);
  E(PPME.SOCKET_SENDTO_X, C, [3, B('ntp')]);
  // TCP server: bind, listen, accept
  E(PPME.SOCKET_SOCKET_E, C, [10, 1, 6]);
  E(PPME.SOCKET_SOCKET_X, C, [14]);
  E(PPME.SOCKET_BIND_E, C, [14]);
  E(PPME.SOCKET_BIND_X, C, [0, { family: 10, addr: '::', port: 8443 }]);
  E(PPME.SOCKET_LISTEN_E, C, [14, 5]);
  E(PPME.SOCKET_LISTEN_X, C, [0]);
  E(PPME.SOCKET_ACCEPT4_5_E, C, [0]);
  E(PPME.SOCKET_ACCEPT4_5_X, C, [15, { family: 10, sip: '::ffff:10.0.2.2', sport: 55555, dip: '::ffff:10.0.2.15', dport: 8443 }, 0, 0, 5]);
  E(PPME.SYSCALL_READ_E, C, [15, 100]);
  E(PPME.SYSCALL_READ_X, C, [2, B('hi')]);
  // unix sockets
  E(PPME.SOCKET_SOCKETPAIR_E, C, [1, 1, 0]);
  E(PPME.SOCKET_SOCKETPAIR_X, C, [0, 16, 17, 0xffff8800aaaa0000n, 0xffff8800bbbb0000n]);
  E(PPME.SOCKET_SOCKET_E, C, [1, 2, 0]);
  E(PPME.SOCKET_SOCKET_X, C, [18]);
  E(PPME.SOCKET_CONNECT_E, C, [18, { family: 1, path: '/dev/log' }]);
  E(PPME.SOCKET_CONNECT_X, C, [0, { family: 1, source: 0xffff8800cccc0000n, dest: 0xffff8800dddd0000n, path: '/dev/log' }]);
  E(PPME.SYSCALL_WRITE_E, C, [18, 30]);
  E(PPME.SYSCALL_WRITE_X, C, [30, B('<13>Jan  1 00:00:00 app: hello')]);
  E(PPME.SYSCALL_WRITE_E, C, [18, 3]);
  E(PPME.SYSCALL_WRITE_X, C, [3, B('bad')]);
  // credentials
  E(PPME.SYSCALL_SETUID_E, C, [0]);
  E(PPME.SYSCALL_SETUID_X, C, [0]);
  E(PPME.SYSCALL_SETRESUID_E, C, [-1 >>> 0, 1000, -1 >>> 0]);
  E(PPME.SYSCALL_SETRESUID_X, C, [0]);
  // prlimit NOFILE for self
  E(PPME.SYSCALL_PRLIMIT_E, C, [0, 7]);
  E(PPME.SYSCALL_PRLIMIT_X, C, [0, 4096n, 4096n, 1024n, 1024n]);
  // misc enters with resolution
  E(PPME.SYSCALL_KILL_E, C, [PARENT, 15]);
  E(PPME.SYSCALL_KILL_X, C, [0]);
  E(PPME.SYSCALL_NANOSLEEP_E, C, [1500000n]);
  E(PPME.SYSCALL_NANOSLEEP_X, C, [0]);
  E(PPME.SYSCALL_RENAMEAT_E, C, []);
  E(PPME.SYSCALL_RENAMEAT_X, C, [0, 5, 'a', -100, 'b']);
  E(PPME.SYSCALL_STAT_E, C, []);
  E(PPME.SYSCALL_STAT_X, C, [-2, 'nope/x']);
  // a thread of the child, an inverted clone, a pid reuse
  clone(C, C + 1, C + 1, (1 << 13) | 1, 'sh');
  E(PPME.SYSCALL_OPEN_E, C + 1, ['t.txt', 1, 0]);
  E(PPME.SYSCALL_OPEN_X, C + 1, [21, 't.txt', 1, 0, 0]);
  clone(C + 5, 0, C + 5, 0, 'kid', C + 5, C);
  E(PPME.SYSCALL_READ_E, C + 5, [7, 10]);
  E(PPME.SYSCALL_READ_X, C + 5, [0, B('')]);
  clone(C, C + 5, C + 5, 0, 'late');
  // exits: main exits before its thread
  E(PPME.PROCEXIT_1_E, C, [0, 0, 0, 0]);
  E(PPME.SYSCALL_WRITE_E, C + 1, [21, 1]);
  E(PPME.SYSCALL_WRITE_X, C + 1, [1, B('z')]);
  E(PPME.PROCEXIT_1_E, C + 1, [0, 0, 0, 0]);
  E(PPME.SYSCALL_KILL_E, PARENT, [C, 9]);
  E(PPME.SYSCALL_KILL_X, PARENT, [0]);
  // an exit without enter, unknown thread
  E(PPME.SYSCALL_OPEN_X, 31999, [3, '/x', 1, 0, 0]);
  E(PPME.SYSCALL_READ_E, 31999, [3, 1]);
  E(PPME.SYSCALL_READ_X, 31999, [1, B('q')]);
}
