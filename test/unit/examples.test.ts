import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT, fixture } from '../helpers/env.js';

describe('examples', () => {
  it('opened-files lists what cat opened in cat_write', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'examples', 'opened-files.mjs'), fixture('cat_write')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('cat: /etc/ld.so.cache, /lib/x86_64-linux-gnu/libc.so.6, /usr/lib/locale/locale-archive, /dev/null\n');
  });

  it('plugin-merge interleaves a TS source plugin with a capture file by timestamp', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'scap-ts-ex-')), 'log.txt');
    writeFileSync(log, 'service started\ncat ran\nservice stopped\n');
    const r = spawnSync(process.execPath, [join(ROOT, 'examples', 'plugin-merge.mjs'), fixture('cat_write'), log], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe([
      '1470327475999999999 logfile service started',
      '1470327476999999999 logfile cat ran',
      '1470327477881785348 syscall /etc/ld.so.cache',
      '1470327477881799840 syscall /lib/x86_64-linux-gnu/libc.so.6',
      '1470327477882008208 syscall /usr/lib/locale/locale-archive',
      '1470327477882054739 syscall /dev/null',
      '1470327477999999999 logfile service stopped',
      '',
    ].join('\n'));
  });
});
