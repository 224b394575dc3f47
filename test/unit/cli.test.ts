import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScapReader } from '../../lib/scapfile/index.js';
import { EVENT_INFO, isListedEvent } from '../../lib/events/index.js';
import { ROOT, fixture, noSysdig, sysdig } from '../helpers/env.js';

/** Runs the built CLI (npm test builds dist first), as a user would. */
function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scap-ts CLI', () => {
  it.skipIf(noSysdig)('-r cat_write -S -q prints the table sysdig prints (SCAP_TS_REQUIRE_LIVE requires sysdig)', () => {
    const r = cli(['-r', fixture('cat_write'), '-S', '-q']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(sysdig(['-r', fixture('cat_write'), '-S', '-q']));
    expect(r.stdout).toContain('> procinfo        260\n');
  });

  it('-L lists every current event with its parameters', () => {
    const r = cli(['-L']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(EVENT_INFO.filter(isListedEvent).length);
    expect(lines).toContain('< open(FD fd, FSPATH name, FLAGS32 flags, UINT32 mode, UINT32 dev, UINT64 ino)');
    expect(lines).toContain('> open(FSPATH name, FLAGS32 flags, UINT32 mode)');
    expect(lines.every((l) => /^[<>] \w+\(.*\)$/.test(l))).toBe(true);
  });

  it('-n stops after n events and -w writes them to a file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'scap-cli-')), 'first.scap.gz');
    const r = cli(['-r', fixture('single_ipv6_conn'), '-n', '900', '-w', out]);
    expect(r.status).toBe(0);
    // The first 847 events are procinfo, which sysdig does not print.
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^848 \d\d:\d\d:\d\d\.\d{9} 1 <NA> \(25886\) > socket domain=10\(AF_INET6\) type=1 proto=6 $/);
    await using back = await ScapReader.open(out);
    let n = 0;
    for await (const b of back.batches()) n += b.length;
    expect(n).toBe(900);
    expect(back.section.processes.length).toBeGreaterThan(0);
  });

  it('reports bad input with the error class, code and offset, and exit status 1', () => {
    const r = cli(['-r', join(ROOT, 'package.json'), '-q']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ScapFileError \[NOT_SCAP\]: not a \.scap file.*at byte 0/);
    const bad = cli(['-n', 'zero', '-r', fixture('cat_write')]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/positive integer/);
  });
});
