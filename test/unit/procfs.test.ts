import { describe, expect, it } from 'vitest';
import { openSync, closeSync, mkdtempSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FD_TYPE } from '../../lib/scapfile/index.js';
import { openFlagsToPpm, readFds, readSockets, readThread, scanSystem } from '../../lib/sources/procfs.js';
import { flagNames, FLAG_TABLES } from '../../lib/events/index.js';

describe('/proc scan', () => {
  it('describes this process as /proc and Node see it', () => {
    const t = readThread('/proc', process.pid, process.pid)!;
    expect(t.tid).toBe(process.pid);
    expect(t.pid).toBe(process.pid);
    expect(t.ptid).toBe(process.ppid);
    expect(t.comm).toBe(readlinkSync('/proc/self/exe').split('/').pop()!.slice(0, 15));
    expect(t.exepath).toBe(process.execPath);
    expect(t.args).toEqual([...process.execArgv, ...process.argv.slice(1)]);
    expect(t.cwd).toBe(process.cwd());
    expect(t.uid).toBe(process.getuid!());
    expect(t.env).toContain(`PATH=${process.env.PATH}`);
    expect(t.vmrssKb).toBeGreaterThan(0);
    expect(t.fdlimit).toBeGreaterThan(0n);
  });

  it('lists a file it has open with its path and flags, and a listening socket with its port', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'scap-procfs-')), 'f');
    const fd = openSync(path, 'wx');
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const fds = readFds('/proc', process.pid, readSockets('/proc/self/net'));
      const file = fds.find((f) => f.fd === fd);
      expect(file).toMatchObject({ type: FD_TYPE.FILE_V2, name: path });
      expect(flagNames(FLAG_TABLES.file_flags, file!.openFlags!)).toContain('O_WRONLY');
      const listener = fds.find((f) => f.type === FD_TYPE.IPV4_SERVSOCK && f.sport === port);
      expect(listener).toMatchObject({ sip: '127.0.0.1', l4proto: 2 });
    } finally {
      closeSync(fd);
      server.close();
    }
  });

  it('converts open(2) flags to the PPM encoding', () => {
    expect(openFlagsToPpm(0)).toBe(1); // O_RDONLY
    expect(flagNames(FLAG_TABLES.file_flags, openFlagsToPpm(0o2000101))).toBe('O_CREAT|O_WRONLY|O_CLOEXEC');
  });

  it('scans the whole system: every process of /proc, with pid 1', () => {
    const s = scanSystem();
    expect(s.processes.some((t) => t.tid === 1 && t.pid === 1)).toBe(true);
    expect(s.processes.some((t) => t.tid === process.pid)).toBe(true);
    expect(s.machineInfo?.numCpus).toBeGreaterThan(0);
    expect(s.users?.some((u) => u.uid === 0)).toBe(true);
    expect(s.interfaces?.some((i) => i.addr === '127.0.0.1')).toBe(true);
  });
});
