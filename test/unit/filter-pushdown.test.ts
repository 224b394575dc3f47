/**
 * Event-type pushdown: the event codes (and x86_64 syscalls) a filter can
 * match, our own cases for libsinsp's filter_ppm_codes categories plus
 * Falco-like conditions.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_ROWS, PPM_EVENT_MAX, SYSCALLS_X86_64 } from '../../lib/events/index.js';
import { compileFilter, eventTypesOf, parseFilter, syscallsForEventTypes, syscallsOf, tableFieldSource } from '../../lib/filter/index.js';

const types = (text: string) => eventTypesOf(parseFilter(text));
const syscalls = (text: string) => syscallsOf(parseFilter(text));
const ALL = Array.from({ length: PPM_EVENT_MAX }, (_, i) => i);
/** Every code whose event is named so (enter and exit, every version). */
const named = (...names: string[]) => ALL.filter((c) => c >= 2 && names.includes(EVENT_ROWS[c][0]));
const without = (codes: number[]) => ALL.filter((c) => !codes.includes(c));
const GENERIC = [0, 1];

describe('pushdown: event codes', () => {
  it('maps evt.type = NAME to every code of that name', () => {
    const openat = named('openat');
    expect(openat.length).toBeGreaterThanOrEqual(4); // PPME_SYSCALL_OPENAT_E/X and OPENAT_2_E/X
    expect(types('evt.type=openat')).toEqual(openat);
    expect(types('evt.type == open')).toEqual(named('open'));
    expect(types('syscall.type = connect')).toEqual(named('connect'));
    expect(types('evt.type = procexit')).toEqual(named('procexit'));
  });

  it('maps syscalls without events of their own to the generic events', () => {
    expect(types('evt.type = rt_sigaction')).toEqual(GENERIC);
    expect(types('evt.type in (rt_sigaction, openat)')).toEqual([...GENERIC, ...named('openat')]);
  });

  it('unites lists and or, intersects and', () => {
    expect(types('evt.type in (open, openat, openat2)')).toEqual(named('open', 'openat', 'openat2'));
    expect(types('evt.type intersects (read)')).toEqual(named('read'));
    expect(types('evt.type = open or evt.type = close')).toEqual(named('open', 'close'));
    expect(types('evt.type in (open, close) and evt.type in (close, read)')).toEqual(named('close'));
    expect(types('evt.type=close and evt.type=openat')).toEqual([]);
    expect(types('evt.type in ()')).toEqual([]);
  });

  it('complements negated sets', () => {
    expect(types('evt.type != openat')).toEqual(without(named('openat')));
    expect(types('not evt.type = openat')).toEqual(without(named('openat')));
    expect(types('not evt.type != openat')).toEqual(named('openat'));
    expect(types('evt.type=close or evt.type!=openat')).toEqual(without(named('openat')));
    expect(types('not (evt.type = execve or evt.type = clone)')).toEqual(without(named('execve', 'clone')));
    expect(types('not (evt.type != execve and evt.type != clone)')).toEqual(named('execve', 'clone'));
    expect(types('not not evt.type = open')).toEqual(named('open'));
    expect(types('not (not evt.type = open)')).toEqual(named('open'));
    expect(types('not evt.type in (open, close)')).toEqual(without(named('open', 'close')));
  });

  it('treats checks on other fields as neutral, negated or not', () => {
    expect(types('proc.name=nginx')).toEqual(ALL);
    expect(types('not proc.name=nginx')).toEqual(ALL);
    expect(types('evt.type = open and proc.name = cat')).toEqual(named('open'));
    expect(types('evt.type = open and not proc.name = cat')).toEqual(named('open'));
    expect(types('evt.type = open or proc.name = cat')).toEqual(ALL);
    expect(types('not (evt.type = open and proc.name = cat)')).toEqual(ALL);
  });

  it('does not narrow checks with a modifier, as libsinsp', () => {
    expect(types('evt.type == anyof (open, close)')).toEqual(ALL);
    expect(types('not evt.type != allof (open)')).toEqual(ALL);
    expect(types('evt.type == oneof (open) and evt.type = close')).toEqual(named('close'));
    expect(types('some_macro and evt.type = open')).toEqual(named('open'));
  });

  it('gives every type for exists, none for its negation', () => {
    expect(types('evt.type exists')).toEqual(ALL);
    expect(types('not evt.type exists')).toEqual([]);
    expect(types('proc.name exists')).toEqual(ALL);
    expect(types('not proc.name exists')).toEqual(ALL);
  });

  it('ignores evt.type checks it cannot read: other operators, transformers, val(), arguments', () => {
    expect(types('evt.type contains open')).toEqual(ALL);
    expect(types('evt.type startswith open')).toEqual(ALL);
    expect(types('tolower(evt.type) = open')).toEqual(ALL);
    expect(types('evt.type = val(proc.name)')).toEqual(ALL);
    expect(types('evt.type.is.open = 1')).toEqual(ALL);
  });

  it('knows that evt.num is never 0', () => {
    expect(types('evt.num = 0')).toEqual([]);
    expect(types('not evt.num = 0')).toEqual(ALL);
    expect(types('evt.num != 0')).toEqual(ALL);
    expect(types('evt.num < 1')).toEqual([]);
    expect(types('evt.num >= 1')).toEqual(ALL);
    expect(types('evt.num in (0)')).toEqual([]);
    expect(types('evt.num = 5')).toEqual(ALL);
    // Falco's never_true placeholders: `and not never_true` keeps the set, `or never_true` adds nothing.
    expect(types('evt.type = open and not (evt.num = 0)')).toEqual(named('open'));
    expect(types('evt.type = open or (evt.num = 0)')).toEqual(named('open'));
  });

  it('narrows Falco-like conditions', () => {
    const macros = {
      open_write: '(evt.type in (open,openat,openat2) and evt.is_open_write=true and fd.typechar=f and fd.num>=0)',
      spawned_process: '(evt.type in (execve, execveat))',
      outbound: '((evt.type = connect or (evt.type in (sendto,sendmsg) and fd.l4proto != tcp)) and fd.typechar = 4)',
      never_true: '(evt.num=0)',
    };
    const any = { name: 'x', type: 'string' as const, extract: () => 'x' };
    const fields = tableFieldSource(
      ['evt.is_open_write', 'fd.typechar', 'fd.num', 'fd.l4proto', 'evt.type', 'evt.num', 'proc.name'].map((name) => ({
        ...any,
        name,
        type: name === 'fd.num' || name === 'evt.num' ? ('int64' as const) : name === 'evt.is_open_write' ? ('bool' as const) : ('string' as const),
      })),
    );
    const c = (text: string) => compileFilter(text, fields, { macros });
    expect(c('open_write and not never_true').eventTypes).toEqual(named('open', 'openat', 'openat2'));
    expect(c('spawned_process and proc.name in (bash, sh)').eventTypes).toEqual(named('execve', 'execveat'));
    expect(c('outbound').eventTypes).toEqual(named('connect', 'sendto', 'sendmsg'));
    expect(c('spawned_process or open_write').syscalls).toEqual(['open', 'execve', 'openat', 'execveat', 'openat2']);
    expect(c('proc.name = x').allEventTypes).toBe(true);
    expect(c('spawned_process').allEventTypes).toBe(false);
  });
});

describe('pushdown: x86_64 syscalls for the live driver', () => {
  it('keeps exactly the syscalls whose events can match', () => {
    expect(syscalls('evt.type=openat and fd.name contains /tmp/x')).toEqual(['openat']);
    expect(syscalls('evt.type in (open, openat, openat2)')).toEqual(['open', 'openat', 'openat2']);
    expect(syscalls('evt.type = rt_sigaction')).toEqual(['rt_sigaction']);
    expect(syscalls('evt.type = procexit')).toEqual([]);
    expect(syscalls('evt.type = close and evt.type = open')).toEqual([]);
    expect(syscalls('proc.name = cat')).toEqual(SYSCALLS_X86_64.map((r) => r[1]));
    expect(syscalls('evt.type != openat')).toEqual(SYSCALLS_X86_64.map((r) => r[1]).filter((n) => n !== 'openat'));
  });

  it('maps event codes to syscalls, generic codes to every syscall without events of its own', () => {
    expect(syscallsForEventTypes(named('openat'))).toEqual(['openat']);
    expect(syscallsForEventTypes(named('execve', 'clone'))).toEqual(['clone', 'execve']);
    const generic = syscallsForEventTypes(GENERIC);
    expect(generic).toContain('rt_sigaction');
    expect(generic).not.toContain('openat');
    expect(generic).toEqual(SYSCALLS_X86_64.filter((r) => r[3] === 0 && r[4] === 0).map((r) => r[1]));
    expect(syscallsForEventTypes([])).toEqual([]);
  });
});
