import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: the generator is plain ESM JavaScript without types
import { generateAll, loadSchema } from '../../driver/schema/generate.mjs';
import { EF, EVENT_ROWS, PPME, PPM_EVENT_MAX, PT, SYSCALLS_X86_64, FLAG_TABLES } from '../../lib/events/schema.generated.js';
import { ROOT } from '../helpers/env.js';

describe('event schema', () => {
  it('the committed C header and TS table are what the generator writes', () => {
    const outputs = generateAll() as Record<string, string>;
    expect(Object.keys(outputs).sort()).toEqual(['driver/include/scap_schema.h', 'lib/events/schema.generated.ts']);
    for (const [rel, text] of Object.entries(outputs)) {
      expect(readFileSync(join(ROOT, rel), 'utf8'), `${rel} drifted from driver/schema: run npm run schema`).toBe(text);
    }
  });

  it('has all 454 event codes, dense, enter even and exit odd', () => {
    const { events } = loadSchema();
    expect(PPM_EVENT_MAX).toBe(454);
    expect(EVENT_ROWS).toHaveLength(454);
    events.events.forEach((e: { code: number; id: string; flags: string[] }, i: number) => {
      expect(e.code).toBe(i);
      // Named pairs: _E on even codes, _X on odd ones; unused slots may be named otherwise.
      if (!e.flags.includes('UNUSED')) expect(e.id.endsWith((i & 1) === 0 ? '_E' : '_X'), e.id).toBe(true);
    });
    expect(PPME.SYSCALL_OPEN_E).toBe(2);
    expect(PPME.SYSCALL_OPEN_X).toBe(3);
    expect(PPME.SYSCALL_EXECVE_19_X).toBe(293);
    expect(EVENT_ROWS[PPME.SYSCALL_OPEN_X][0]).toBe('open');
    expect(EVENT_ROWS[PPME.SYSCALL_OPEN_X][3].map((p) => p[0])).toEqual(['fd', 'name', 'flags', 'mode', 'dev', 'ino']);
  });

  it('marks exactly the three large-payload events', () => {
    const large = EVENT_ROWS.flatMap((r, i) => ((r[2] & EF.LARGE_PAYLOAD) !== 0 ? [i] : []));
    expect(large).toEqual([PPME.PLUGINEVENT_E, PPME.CONTAINER_JSON_2_E, PPME.ASYNCEVENT_E]);
    expect(large).toEqual([322, 324, 402]);
  });

  it('keeps only the TOCTOU enter events current', () => {
    const currentEnter = EVENT_ROWS.flatMap((r, i) =>
      (i & 1) === 0 && (r[1] & 512) !== 0 && (r[2] & (EF.OLD_VERSION | EF.UNUSED)) === 0 ? [i] : [],
    );
    expect(currentEnter).toEqual(expect.arrayContaining([2, 22, 58, 306, 326]));
  });

  it('flag params point at flag tables that exist', () => {
    for (const row of EVENT_ROWS) {
      for (const [, type, , info] of row[3]) {
        if (type === PT.FLAGS32 || type === PT.FLAGS16 || type === PT.FLAGS8) {
          expect(typeof info).toBe('string');
          expect(FLAG_TABLES[info as string], String(info)).toBeDefined();
        }
      }
    }
  });

  it('maps x86_64 syscalls to their events', () => {
    const byName = new Map(SYSCALLS_X86_64.map((r) => [r[1], r]));
    expect(byName.get('read')?.[0]).toBe(0);
    expect(byName.get('read')?.[4]).toBe(PPME.SYSCALL_READ_X);
    expect(byName.get('execve')?.[0]).toBe(59);
    expect(byName.get('openat')?.[3]).toBe(PPME.SYSCALL_OPENAT_2_E);
  });

  it('the C header compiles and agrees with the TS table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scap-schema-'));
    const src = join(dir, 'check.c');
    writeFileSync(
      src,
      `#include <stdio.h>
#include "scap_schema.h"
static const int nparams[PPM_EVENT_MAX] = SCAP_EVENT_NPARAMS_INIT;
static const int flags[PPM_EVENT_MAX] = SCAP_EVENT_FLAGS_INIT;
static const struct scap_syscall_entry sc[SYSCALL_TABLE_SIZE] = SCAP_X86_64_SYSCALL_TABLE_INIT;
int main(void) {
  for (int i = 0; i < PPM_EVENT_MAX; i++) printf("%d %d\\n", nparams[i], flags[i]);
  printf("%d %d %d %d\\n", sc[59].enter_event, sc[59].exit_event, PPM_O_CLOEXEC, PT_FSRELPATH);
  return 0;
}
`,
    );
    execFileSync('cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-I', join(ROOT, 'driver', 'include'), '-o', join(dir, 'check'), src]);
    const lines = execFileSync(join(dir, 'check'), { encoding: 'utf8' }).trim().split('\n');
    EVENT_ROWS.forEach((r, i) => expect(lines[i]).toBe(`${r[3].length} ${r[2]}`));
    const execve = SYSCALLS_X86_64.find((r) => r[0] === 59)!;
    expect(lines[PPM_EVENT_MAX]).toBe(`${execve[3]} ${execve[4]} ${FLAG_TABLES.file_flags.find(([n]) => n === 'O_CLOEXEC')![1]} ${PT.FSRELPATH}`);
  });
});
