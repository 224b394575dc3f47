import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, fixture } from '../helpers/env.js';

describe('examples', () => {
  it('opened-files lists what cat opened in cat_write', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'examples', 'opened-files.mjs'), fixture('cat_write')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('cat: /etc/ld.so.cache, /lib/x86_64-linux-gnu/libc.so.6, /usr/lib/locale/locale-archive, /dev/null\n');
  });
});
