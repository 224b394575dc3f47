/**
 * Plugins: the C test plugin (test/plugins/testplugin.c, built here with cc)
 * through the native host, TypeScript plugins, Falco's loader rules, the
 * YAML config, several sources merged in one capture, and every bad input
 * surfacing as a PluginError carrying the plugin's last error.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCapture, type Capture } from '../../lib/capture.js';
import { PluginError } from '../../lib/errors.js';
import { EventBatch } from '../../lib/events/batch.js';
import type { Event } from '../../lib/events/event.js';
import { fields } from '../../lib/fields/index.js';
import { ScapReader } from '../../lib/scapfile/reader.js';
import { compileFilter } from '../../lib/filter/filter.js';
import { EventFormatter } from '../../lib/format/index.js';
import {
  PluginManager,
  apiCompatible,
  loadPluginsConfigFile,
  parseInputFlag,
  parsePluginFlag,
  pluginIdOf,
  pluginPayload,
  resolveLibrary,
  validateSchema,
  type TsPlugin,
} from '../../lib/plugins/index.js';
import { CANCELED_FD, FD_TYPE } from '../../lib/state/fds.js';
import { ThreadTable, type ThreadInfo } from '../../lib/state/threads.js';
import { buildTestPlugin, testPluginDir } from '../plugins/build.js';
import { ROOT, fixture } from '../helpers/env.js';

let lib: string;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(() => {
  lib = buildTestPlugin('testplugin');
});

afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

async function load(config: Parameters<typeof PluginManager.load>[0]): Promise<PluginManager> {
  const m = await PluginManager.load(config);
  open.push(m);
  return m;
}

async function capture(options: Parameters<typeof openCapture>[0]): Promise<Capture> {
  const c = await openCapture(options);
  open.push(c);
  return c;
}

const field = (name: string, e: Event) => fields.get(name).extract(e);

async function expectPluginError(p: Promise<unknown> | (() => unknown), code: string, pluginError?: string | RegExp, message?: RegExp): Promise<PluginError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a PluginError').toBeInstanceOf(PluginError);
  const pe = err as PluginError;
  expect(pe.code).toBe(code);
  if (pluginError !== undefined) expect(pe.pluginError).toMatch(pluginError);
  if (message) expect(pe.message).toMatch(message);
  return pe;
}

describe('native plugin host', () => {
  it('reads the metadata, capabilities, fields and init schema', async () => {
    const m = await load([{ name: 'testplugin', library_path: lib }]);
    const [info] = m.info();
    expect(info).toMatchObject({
      name: 'testplugin', version: '0.1.0', description: 'scap-ts test plugin', contact: 'scap-ts tests',
      requiredApiVersion: '3.0.0', id: 999, eventSource: 'testsrc', kind: 'native', libraryPath: lib,
      capabilities: { sourcing: true, extraction: true, parsing: true, async: true, captureListening: false },
      asyncEvents: ['test_tick'],
    });
    expect(info.fields.map((f) => f.name)).toEqual(['test.n', 'test.msg', 'test.even', 'test.tags', 'test.arg', 'test.idx', 'test.ip', 'test.parsed']);
    expect(JSON.parse(info.initSchema!)).toMatchObject({ type: 'object', additionalProperties: false });
    expect(m.get('testplugin')!.listOpenParams()).toEqual([
      { value: 'count=20', desc: 'twenty events' },
      { value: 'count=1000000', desc: 'a million' },
    ]);
  });

  it('turns next_batch into plugin events (322) with timestamps kept, ids filled in, and progress', async () => {
    const cap = await capture({ plugins: [{ name: 'testplugin', library_path: lib, open_params: 'count=20,start=5000,step=10' }], source: { plugin: 'testplugin' } });
    const seen: Array<[bigint, number, number, string]> = [];
    for await (const e of cap) {
      if (e.type !== 322) continue;
      seen.push([e.ts, e.type, e.view.getUint32(e.offset + 34, true), String(field('evt.source', e))]);
    }
    expect(seen).toHaveLength(20);
    expect(seen.map((s) => s[0])).toEqual(Array.from({ length: 20 }, (_, i) => 5000n + BigInt(i) * 10n));
    expect(new Set(seen.map((s) => s[2]))).toEqual(new Set([999]));
    expect(new Set(seen.map((s) => s[3]))).toEqual(new Set(['testsrc']));
    expect(cap.progress()).toBe(1);
  });

  it('extracts fields in filters and -p formats: strings, numbers, bools, lists, key and index arguments, addresses', async () => {
    const cap = await capture({ plugins: [{ name: 'testplugin', library_path: lib, open_params: 'count=12' }], source: { plugin: 'testplugin' } });
    const f = compileFilter('test.msg = beta and test.n > 3 and test.even = false and test.tags intersects (t0, t2) and test.ip = 10.0.0.9', fields);
    const fmt = new EventFormatter('%evt.source %evt.pluginname %test.n %test.msg %test.arg[hello] %test.idx[3] %test.ip %test.tags %evt.plugininfo');
    const matched: unknown[] = [];
    const lines: string[] = [];
    for await (const e of cap) {
      if (e.type !== 322) continue;
      if (f.match(e)) matched.push(field('test.n', e));
      lines.push(fmt.format(e) ?? '');
    }
    expect(matched).toEqual([9]);
    expect(lines[5]).toBe('testsrc testplugin 5 beta hello 15 10.0.0.5 (t2,beta) test event: n=5 msg=beta');
  });

  it('calls parse_event once per event, in order, before extraction', async () => {
    const cap = await capture({ plugins: [{ name: 'testplugin', library_path: lib, open_params: 'count=20' }], source: { plugin: 'testplugin' } });
    const pairs: unknown[] = [];
    for await (const e of cap) if (e.type === 322) pairs.push([field('test.n', e), field('test.parsed', e)]);
    expect(pairs).toEqual(Array.from({ length: 20 }, (_, i) => [i, i + 1]));
  });

  it('delivers async events (402) with their name, plugin id and source', async () => {
    const cap = await capture({ plugins: [{ name: 'testplugin', library_path: lib, open_params: 'count=3' }], source: { plugin: 'testplugin' } });
    const asyncs: unknown[] = [];
    for await (const e of cap) {
      if (e.type === 402) asyncs.push([e.ts, field('evt.is_async', e), field('evt.asynctype', e), field('evt.source', e), field('test.n', e)]);
      // Keep the stream open long enough for the plugin's thread (3 ticks, 1 ms apart).
      else await new Promise((r) => setTimeout(r, 5));
    }
    expect(asyncs.length).toBeGreaterThan(0);
    expect(asyncs[0]).toEqual([2000000000n, true, 'test_tick', 'testsrc', undefined]);
  });

  it("gives an async event's name as evt.type, and filters know a loaded plugin's async event names", async () => {
    expect(() => compileFilter('evt.type = test_tick', fields)).toThrow(/unknown event type 'test_tick'/);
    const cap = await capture({
      // A million events: the stream outlasts the plugin's async thread (3 ticks, 1 ms apart).
      plugins: [{ name: 'testplugin', library_path: lib, open_params: 'count=1000000' }],
      source: { plugin: 'testplugin' },
      filter: 'evt.type = test_tick',
    });
    const got: unknown[] = [];
    for await (const e of cap) got.push([e.type, field('evt.type', e)]);
    expect(got.length).toBeGreaterThan(0);
    expect(new Set(got.map((g) => JSON.stringify(g)))).toEqual(new Set([JSON.stringify([402, 'test_tick'])]));
    // Unloaded with the capture: the name is unknown again.
    expect(() => compileFilter('evt.type in (open, test_tick)', fields)).toThrow(/unknown event type 'test_tick'/);
  });

  it('drops async events with a name the plugin did not declare, with a warning', async () => {
    const bad = buildTestPlugin('badasync', { ASYNC_BAD_NAME: true });
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const cap = await capture({ plugins: [{ name: 'testplugin', library_path: bad, open_params: 'count=3' }], source: { plugin: 'testplugin' } });
      let asyncs = 0;
      for await (const e of cap) {
        if (e.type === 402) asyncs++;
        else await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 10));
      expect(asyncs).toBe(0);
      expect(warnings).toContain("plugin 'testplugin' sent an async event named 'undeclared', not in its get_async_events; dropped");
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('validates the init config against the schema and passes it to plugin_init', async () => {
    await expectPluginError(load([{ name: 'testplugin', library_path: lib, init_config: { nope: 1 } }]), 'PLUGIN_INIT_CONFIG', undefined, /unknown property 'nope'/);
    await expectPluginError(load([{ name: 'testplugin', library_path: lib, init_config: 'not json' }]), 'PLUGIN_INIT_CONFIG', undefined, /not valid JSON/);
    await expectPluginError(load([{ name: 'testplugin', library_path: lib, init_config: { label: 3 } }]), 'PLUGIN_INIT_CONFIG', undefined, /\$\.label: expected string/);
    const m = await load([{ name: 'testplugin', library_path: lib, init_config: '{"label":"x"}' }]);
    expect(m.info()[0].name).toBe('testplugin');
  });
});

describe('loader rules (each a PluginError)', () => {
  it('a library that cannot be loaded', async () => {
    const notElf = join(testPluginDir(), 'libnotelf.so');
    writeFileSync(notElf, 'not a shared library');
    await expectPluginError(load([{ name: 'x', library_path: notElf }]), 'PLUGIN_DLOPEN', undefined, /cannot load plugin library/);
    await expectPluginError(load([{ name: 'nosuch', library_path: 'nosuchplugin' }]), 'PLUGIN_NOT_FOUND');
  });

  it('a missing required symbol', async () => {
    const p = buildTestPlugin('noname', { NO_GET_NAME: true });
    await expectPluginError(load([{ name: 'noname', library_path: p }]), 'PLUGIN_MISSING_SYMBOL', undefined, /plugin_get_name/);
  });

  it('a NULL name', async () => {
    const p = buildTestPlugin('nullname', { NULL_NAME: true });
    await expectPluginError(load([{ name: 'nullname', library_path: p }]), 'PLUGIN_NULL_STRING', undefined, /plugin_get_name returned NULL/);
  });

  it('an incompatible or invalid required API version', async () => {
    for (const [v, re] of [['2.0.0', /2\.0\.0.*not compatible/], ['3.99.0', /3\.99\.0/], ['4.0.0', /4\.0\.0/], ['three', /invalid required API version/]] as const) {
      const p = buildTestPlugin(`api${v}`, { API_VERSION: v });
      await expectPluginError(load([{ name: 'x', library_path: p }]), 'PLUGIN_API_VERSION', undefined, re);
    }
    const ok = buildTestPlugin('api312', { API_VERSION: '3.12.0' });
    expect((await load([{ name: 'x', library_path: ok }])).info()[0].requiredApiVersion).toBe('3.12.0');
  });

  it('semantic versioning: same major, framework minor above, or equal minor and patch not below', () => {
    expect(apiCompatible('3.0.0', '3.12.0')).toBe(true);
    expect(apiCompatible('3.12.0', '3.12.0')).toBe(true);
    expect(apiCompatible('3.12.1', '3.12.0')).toBe(false);
    expect(apiCompatible('3.11.9', '3.12.0')).toBe(true);
    expect(apiCompatible('3.13.0', '3.12.0')).toBe(false);
    expect(apiCompatible('2.12.0', '3.12.0')).toBe(false);
    expect(apiCompatible('3.1', '3.12.0')).toBe(false);
  });

  it('half of the sourcing capability', async () => {
    const p = buildTestPlugin('half', { HALF_SOURCE: true });
    await expectPluginError(load([{ name: 'half', library_path: p }]), 'PLUGIN_BROKEN', undefined, /plugin_next_batch/);
  });

  it('half of the capture listening capability', async () => {
    const p = buildTestPlugin('halflisten', { NO_SOURCE: true, TABLES: true, LISTEN: true, HALF_LISTEN: true, API_VERSION: '3.6.0' });
    await expectPluginError(load([{ name: 'halflisten', library_path: p }]), 'PLUGIN_BROKEN', undefined, /plugin_capture_close/);
  });

  it('plugin_get_id without plugin_get_event_source', async () => {
    const p = buildTestPlugin('idonly', { ID_ONLY: true });
    await expectPluginError(load([{ name: 'idonly', library_path: p }]), 'PLUGIN_BROKEN', undefined, /both or neither/);
  });

  it('a source plugin without id and source name feeds the syscall source', async () => {
    const p = buildTestPlugin('noid', { NO_ID: true, PLUGIN_NAME: 'noid' });
    const cap = await capture({ plugins: [{ name: 'noid', library_path: p, open_params: 'count=4' }], source: { plugin: 'noid' } });
    expect(cap.plugins!.info()[0]).toMatchObject({ id: 0, eventSource: 'syscall', capabilities: { sourcing: true } });
    let n = 0;
    for await (const e of cap) if (e.type === 322) n++;
    expect(n).toBe(4);
  });

  it('two source plugins for one event source, naming both', async () => {
    const other = buildTestPlugin('other', { PLUGIN_NAME: 'other', PLUGIN_ID: 1000, FIELD_PREFIX: 'other' });
    const e = await expectPluginError(
      load([{ name: 'testplugin', library_path: lib }, { name: 'other', library_path: other }]),
      'PLUGIN_SOURCE_CLASH', undefined, /'testsrc'/,
    );
    expect(e.message).toContain("plugin 'other'");
    expect(e.message).toContain("plugin 'testplugin'");
  });

  it('two source plugins with one id', async () => {
    const same = buildTestPlugin('sameid', { PLUGIN_NAME: 'sameid', EVENT_SOURCE: 'othersrc', FIELD_PREFIX: 'same' });
    const e = await expectPluginError(load([{ name: 'testplugin', library_path: lib }, { name: 'sameid', library_path: same }]), 'PLUGIN_ID_CLASH', undefined, /id 999/);
    expect(e.message).toContain("'testplugin'");
  });

  it('a field name defined by two plugins, naming both', async () => {
    const ex = buildTestPlugin('extractor', { PLUGIN_NAME: 'extractor', NO_SOURCE: true });
    const e = await expectPluginError(load([{ name: 'testplugin', library_path: lib }, { name: 'extractor', library_path: ex }]), 'PLUGIN_FIELD_CLASH');
    expect(e.message).toBe("plugin 'extractor': field 'test.n' of plugin 'extractor' is already defined by plugin 'testplugin'");
    // The failed load left nothing behind: the first plugin's fields are gone with it.
    expect(fields.lookup('test.n')).toBeUndefined();
  });

  it('a field clashing with a built-in field, a duplicate name, load_plugins naming an unknown entry', async () => {
    const fdPlugin: TsPlugin = { name: 'fdfields', fields: [{ name: 'fd.name', type: 'string', desc: 'd' }], extract: () => 'x' };
    await expectPluginError(load([{ name: 'fdfields', plugin: fdPlugin }]), 'PLUGIN_FIELD_CLASH', undefined, /field 'fd.name' of plugin 'fdfields' clashes with a built-in field/);
    await expectPluginError(load([{ name: 'a', library_path: lib }, { name: 'b', library_path: lib }]), 'PLUGIN_DUPLICATE', undefined, /another plugin with name 'testplugin'/);
    await expectPluginError(load({ plugins: [{ name: 'a', library_path: lib }], load_plugins: ['b'] }), 'PLUGIN_CONFIG', undefined, /'b'/);
  });
});

describe('bad plugin behaviour (a PluginError with plugin_get_last_error)', () => {
  const run = async (init: object, params = 'count=20', filter?: string) => {
    const cap = await capture({ plugins: [{ name: 'testplugin', library_path: lib, init_config: init, open_params: params }], source: { plugin: 'testplugin' } });
    const f = filter ? compileFilter(filter, fields) : undefined;
    let n = 0;
    for await (const e of cap) {
      if (e.type === 322) n++;
      f?.match(e);
    }
    return n;
  };

  it('plugin_init failing', async () => {
    await expectPluginError(load([{ name: 'testplugin', library_path: lib, init_config: { fail_init: true } }]), 'PLUGIN_INIT', 'init refused by configuration');
  });
  it('plugin_open failing', async () => {
    await expectPluginError(run({}, 'refuse'), 'PLUGIN_OPEN', "cannot open 'refuse'");
  });
  it('next_batch failing', async () => {
    await expectPluginError(run({ fail_next: true }), 'PLUGIN_NEXT_BATCH', 'source went away at batch 2');
  });
  it('a batch with a malformed event', async () => {
    await expectPluginError(run({ malformed: true }), 'PLUGIN_NEXT_BATCH', '', /malformed event 1: .*not its length/);
  });
  it('an event with another plugin id', async () => {
    await expectPluginError(run({ wrong_id: true }), 'PLUGIN_NEXT_BATCH', '', /plugin id 12345, not the plugin's own 999/);
  });
  it('events announced with a NULL array', async () => {
    await expectPluginError(run({ null_batch: true }), 'PLUGIN_NEXT_BATCH', '', /NULL array/);
  });
  it('extract_fields failing', async () => {
    await expectPluginError(run({ fail_extract: true }, 'count=2', 'test.n > 0'), 'PLUGIN_EXTRACT', 'extraction refused');
  });
  it('a NULL string extracted', async () => {
    await expectPluginError(run({ null_string: true }, 'count=2', 'test.msg = x'), 'PLUGIN_EXTRACT', '', /NULL string for test.msg/);
  });
  it('parse_event failing', async () => {
    await expectPluginError(run({ fail_parse: true }), 'PLUGIN_PARSE', 'parse refused');
  });
});

// ---- TypeScript plugins -----------------------------------------------------

function tsSource(opts: { count: number; start: bigint; step: bigint; name?: string; id?: number; source?: string }): TsPlugin {
  const seen: number[] = [];
  return {
    name: opts.name ?? 'tsplugin',
    version: '1.0.0',
    id: opts.id ?? 5001,
    eventSource: opts.source ?? 'tssrc',
    fields: [
      { name: 'ts.n', type: 'uint64', desc: 'sequence number' },
      { name: 'ts.word', type: 'string', desc: 'the word' },
      { name: 'ts.seen', type: 'uint64', desc: 'events parsed so far' },
      { name: 'ts.kv', type: 'string', desc: 'key echo', arg: { isRequired: true, isKey: true } },
    ],
    open(params) {
      let i = 0;
      const count = params ? Number(params) : opts.count;
      return {
        next: () => {
          if (i >= count) return null;
          const out = [];
          for (let k = 0; k < 5 && i < count; k++, i++) out.push({ ts: opts.start + BigInt(i) * opts.step, data: `${i}:${['one', 'two', 'three'][i % 3]}` });
          return out;
        },
        progress: () => i / count,
      };
    },
    extract(evt, f) {
      const [n, word] = Buffer.from(evt.data).toString().split(':');
      switch (f.name) {
        case 'ts.n': return Number(n);
        case 'ts.word': return word;
        case 'ts.seen': return seen.length;
        case 'ts.kv': return f.arg;
        default: return undefined;
      }
    },
    parse(evt) {
      seen.push(evt.num);
    },
    eventToString: (evt) => `ts event ${Buffer.from(evt.data).toString()}`,
  };
}

describe('TypeScript plugins', () => {
  it('source, extraction and parsing, used exactly as native plugins are', async () => {
    const cap = await capture({ plugins: [{ name: 'tsplugin', plugin: tsSource({ count: 7, start: 100n, step: 3n }) }], source: { plugin: 'tsplugin' } });
    const f = compileFilter('ts.word = two and evt.source = tssrc and ts.n >= 4', fields);
    const fmt = new EventFormatter('%evt.source %evt.pluginname %ts.n %ts.word %ts.seen %ts.kv[k] %evt.plugininfo');
    const lines: string[] = [];
    const matched: unknown[] = [];
    for await (const e of cap) {
      lines.push(fmt.format(e) ?? '');
      if (f.match(e)) matched.push([e.ts, field('ts.n', e)]);
    }
    expect(lines).toHaveLength(7);
    expect(lines[1]).toBe('tssrc tsplugin 1 two 2 k ts event 1:two');
    expect(matched).toEqual([[112n, 4]]);
    expect(cap.progress()).toBe(1);
  });

  it('are registered at run time, on an open capture', async () => {
    const cap = await capture({ plugins: [{ name: 'testplugin', library_path: lib }], source: { plugin: 'testplugin' } });
    const seen: number[] = [];
    let added = false;
    const values: unknown[] = [];
    for await (const e of cap) {
      if (e.type !== 322) continue;
      if (!added) {
        await cap.plugins!.add({
          name: 'late',
          plugin: { name: 'late', fields: [{ name: 'late.twice', type: 'uint64', desc: 'test.n * 2' }], extract: (evt) => 2 * Number(fields.get('test.n').extract(evt.event)), parse: (evt) => void seen.push(evt.num) },
        });
        added = true;
      }
      values.push(fields.get('late.twice').extract(e));
    }
    expect(values.slice(0, 4)).toEqual([0, 2, 4, 6]);
    expect(seen.length).toBe(19);
    // Closing the capture takes the plugin's fields out of the registry.
    await cap.close();
    expect(fields.lookup('late.twice')).toBeUndefined();
  });

  it('loader rules apply to them too', async () => {
    await expectPluginError(load([{ name: 'x', plugin: { name: 'x', requiredApiVersion: '4.0.0', parse() {} } }]), 'PLUGIN_API_VERSION');
    await expectPluginError(load([{ name: 'x', plugin: { name: 'x', id: 3, parse() {} } as TsPlugin }]), 'PLUGIN_BROKEN');
    await expectPluginError(load([{ name: 'x', plugin: { name: 'x' } }]), 'PLUGIN_NO_CAPABILITY');
    await expectPluginError(load([{ name: 'x', plugin: { name: 'x', fields: [], extract: () => 1 } }]), 'PLUGIN_FIELDS', undefined, /empty list/);
    await expectPluginError(load([{ name: 'x', plugin: { name: 'x', fields: [{ name: 'a.b', type: 'int' as 'uint64', desc: '' }], extract: () => 1 } }]), 'PLUGIN_FIELDS', undefined, /unknown type 'int'/);
    const e = await expectPluginError(
      load([{ name: 'testplugin', library_path: lib }, { name: 'tsx', plugin: { name: 'tsx', fields: [{ name: 'test.msg', type: 'string', desc: 'd' }], extract: () => 'x' } }]),
      'PLUGIN_FIELD_CLASH',
    );
    expect(e.message).toContain("'tsx'");
    expect(e.message).toContain("'testplugin'");
    await expectPluginError(
      load([{ name: 'x', plugin: { name: 'x', init() { throw new Error('no way'); }, parse() {} } }]),
      'PLUGIN_INIT', 'no way',
    );
    await expectPluginError(
      load([{ name: 'x', init_config: { a: 'b' }, plugin: { name: 'x', initSchema: { type: 'object', properties: { a: { type: 'integer' } } }, parse() {} } }]),
      'PLUGIN_INIT_CONFIG',
    );
  });

  it('errors thrown by a TypeScript source surface as PluginErrors', async () => {
    const bad: TsPlugin = { name: 'bad', id: 77, eventSource: 'badsrc', open: () => ({ next: () => { throw new Error('gone'); } }) };
    await expectPluginError(
      (async () => {
        const cap = await capture({ plugins: [{ name: 'bad', plugin: bad }], source: { plugin: 'bad' } });
        for await (const _ of cap) void _;
      })(),
      'PLUGIN_NEXT_BATCH', 'gone',
    );
  });
});

describe('several sources in one capture', () => {
  it('merges a native and a TypeScript source by timestamp; each event keeps its source and fields', async () => {
    const cap = await capture({
      plugins: [
        { name: 'testplugin', library_path: lib },
        { name: 'tsplugin', plugin: tsSource({ count: 30, start: 1000000500n, step: 700n }) },
      ],
      sources: [{ plugin: 'testplugin', openParams: 'count=25,start=1000000000,step=1000' }, { plugin: 'tsplugin' }],
    });
    const f = compileFilter('test.n >= 0', fields);
    const g = compileFilter('ts.n >= 0', fields);
    const rows: Array<[bigint, string, boolean, boolean]> = [];
    for await (const e of cap) if (e.type === 322) rows.push([e.ts, String(field('evt.source', e)), f.match(e), g.match(e)]);
    expect(rows).toHaveLength(55);
    const ts = rows.map((r) => r[0]);
    expect(ts).toEqual([...ts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(rows.filter((r) => r[1] === 'testsrc').every((r) => r[2] && !r[3])).toBe(true);
    expect(rows.filter((r) => r[1] === 'tssrc').every((r) => r[3] && !r[2])).toBe(true);
    expect(rows.filter((r) => r[1] === 'tssrc')).toHaveLength(30);
  });

  it('merges a .scap file (syscall source) with a plugin source', async () => {
    const file = fixture('cat_write');
    // The plugin's events sit inside the file's time range.
    const first = await capture({ source: { file } });
    let t0 = 0n;
    let count = 0;
    for await (const e of first) {
      if (count++ === 0) t0 = e.ts;
    }
    const cap = await capture({
      plugins: [{ name: 'testplugin', library_path: lib }],
      sources: [{ file }, { plugin: 'testplugin', openParams: `count=10,start=${t0 + 1000n},step=100000` }],
    });
    const srcs = new Map<string, number>();
    let prev = 0n;
    let ordered = true;
    const f = compileFilter('evt.source = syscall and not test.n exists', fields);
    let syscallMatches = 0;
    const args: unknown[] = [];
    for await (const e of cap) {
      if (e.type === 402) continue; // the test plugin's async ticks carry their own (1970) times
      const s = String(field('evt.source', e));
      srcs.set(s, (srcs.get(s) ?? 0) + 1);
      if (e.ts < prev) ordered = false;
      prev = e.ts;
      if (f.match(e)) syscallMatches++;
      // Events copied by the merge decode as before (old captures' 22-byte headers included).
      if (s === 'syscall') args.push(e.args());
    }
    expect(srcs.get('syscall')).toBe(count);
    expect(srcs.get('testsrc')).toBe(10);
    expect(syscallMatches).toBe(count);
    expect(ordered).toBe(true);
    const alone: unknown[] = [];
    for await (const e of await capture({ source: { file } })) alone.push(e.args());
    expect(args).toEqual(alone);
  });
});

describe('extractors and parsers on the syscall source', () => {
  it('a TypeScript extractor declaring the syscall source sees syscall events only; a native extractor without a source sees plugin events only', async () => {
    const ex = buildTestPlugin('extractor2', { PLUGIN_NAME: 'extractor2', NO_SOURCE: true, FIELD_PREFIX: 'ex' });
    const parsed: string[] = [];
    const sys: TsPlugin = {
      name: 'sysx',
      fields: [{ name: 'sysx.tid', type: 'uint64', desc: 'the thread id' }],
      extractEventSources: ['syscall'],
      extract: (evt) => evt.event.tid,
      parseEventSources: ['syscall'],
      parse: (evt) => void parsed.push(evt.source),
    };
    const file = fixture('cat_write');
    const cap = await capture({
      plugins: [{ name: 'testplugin', library_path: lib }, { name: 'extractor2', library_path: ex }, { name: 'sysx', plugin: sys }],
      sources: [{ file }, { plugin: 'testplugin', openParams: 'count=5,start=1,step=1' }],
    });
    let sysEvents = 0;
    let sysAll = 0;
    const exOn: string[] = [];
    for await (const e of cap) {
      const src = String(field('evt.source', e));
      if (src === 'syscall') sysAll++;
      // Async events: extractor2's own (no source plugin: the syscall source) and testplugin's.
      if (e.type === 402) continue;
      if (src === 'syscall') {
        sysEvents++;
        expect(field('sysx.tid', e)).toBe(e.tid);
      } else expect(field('sysx.tid', e)).toBeUndefined();
      if (field('ex.n', e) !== undefined) exOn.push(src);
    }
    expect(exOn).toEqual(['testsrc', 'testsrc', 'testsrc', 'testsrc', 'testsrc']);
    expect(sysEvents).toBeGreaterThan(300);
    expect(parsed).toHaveLength(sysAll);
    expect(new Set(parsed)).toEqual(new Set(['syscall']));
  });
});

describe('plugins that provide container metadata', () => {
  it("replace the built-in container.* fields while loaded (as Falco's container plugin does), which come back on close", async () => {
    const builtin = fields.specs.get('container.name');
    const meta: TsPlugin = {
      name: 'containermeta',
      fields: [{ name: 'container.name', type: 'string', desc: 'the container name, from the runtime' }],
      extractEventSources: ['syscall'],
      extract: (evt) => `ctr-of-${evt.event.tid}`,
    };
    const cap = await capture({ plugins: [{ name: 'containermeta', plugin: meta }], source: { file: fixture('cat_write') } });
    let n = 0;
    for await (const e of cap) {
      if (n++ === 0) expect(fields.specs.get('container.name')).not.toBe(builtin);
      expect(field('container.name', e)).toBe(`ctr-of-${e.tid}`);
    }
    expect(n).toBeGreaterThan(100);
    // The loop's end closed the capture and the plugins it loaded.
    expect(fields.specs.get('container.name')).toBe(builtin);
    // Only container.* and k8s.* can be replaced: proc.name stays a clash.
    const procPlugin: TsPlugin = { name: 'procfields', fields: [{ name: 'proc.name', type: 'string', desc: 'd' }], extract: () => 'x' };
    await expectPluginError(load([{ name: 'procfields', plugin: procPlugin }]), 'PLUGIN_FIELD_CLASH', undefined, /clashes with a built-in field/);
  });
});

describe('state tables', () => {
  let tablesLib: string;
  beforeAll(() => {
    tablesLib = buildTestPlugin('tables', { PLUGIN_NAME: 'tables', NO_SOURCE: true, TABLES: true, FIELD_PREFIX: 'tb' });
  });

  /** What the test plugin's <prefix>.fds lists for a thread: its fds in fd order, as libsinsp's fields read them. */
  function fdRows(th: ThreadInfo): string {
    return [...th.fdTable()!.map.entries()]
      .filter(([fd]) => fd !== CANCELED_FD)
      .sort(([a], [b]) => a - b)
      .map(([fd, f]) => {
        const s = f.sock;
        return [fd, f.type & 0xff, f.name, f.openFlags >>> 0, f.ino, s?.v4sport ?? 0, s?.v4l4 ?? 0, s?.v6dport ?? 0, s?.unixSource ?? 0n].join(':');
      })
      .join('|');
  }

  /** A bare syscall event of thread `tid`. */
  function syscallEvent(tid: number): Event {
    const b = new Uint8Array(26);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, 1000n, true);
    v.setBigInt64(8, BigInt(tid), true);
    v.setUint32(16, 26, true);
    v.setUint16(20, 3, true);
    return EventBatch.fromEvents([b]).at(0);
  }

  it("reads the threads table and keeps the fields it adds on each thread, through a capture's events", async () => {
    const cap = await capture({ plugins: [{ name: 'tables', library_path: tablesLib }], source: { file: fixture('cat_write') } });
    const tables = cap.plugins!.tables;
    const listed = tables.fields('threads')!;
    expect(listed).toContainEqual({ name: 'comm', type: 'string', readOnly: true });
    expect(listed).toContainEqual({ name: 'pid', type: 'int64', readOnly: true });
    expect(listed).toContainEqual({ name: 'args', type: 'table', readOnly: true });
    expect(listed).toContainEqual({ name: 'cgroups', type: 'table', readOnly: true });
    expect(listed).toContainEqual({ name: 'file_descriptors', type: 'table', readOnly: true });
    expect(listed.slice(-2)).toEqual([
      { name: 'tb_tag', type: 'string', readOnly: false },
      { name: 'tb_count', type: 'uint64', readOnly: false },
    ]);
    expect(tables.list()).toEqual([{ name: 'threads', keyType: 'int64', owner: 'scap-ts' }]);
    // Parsing runs before the consumer sees each event: the counts include the event itself.
    const counts = new Map<object, number>();
    let withThread = 0;
    let sampled = 0;
    let withArgs = 0;
    let withCgroups = 0;
    let seen: ThreadInfo | undefined;
    for await (const e of cap) {
      if (e.type === 402) continue; // the plugin's async ticks carry no thread
      const name = field('proc.name', e) ?? undefined;
      expect(field('tb.comm', e)).toBe(name);
      const th = e.thread as ThreadInfo | undefined;
      if (!th) {
        expect(field('tb.count', e)).toBeUndefined();
        continue;
      }
      withThread++;
      counts.set(th, (counts.get(th) ?? 0) + 1);
      expect(field('tb.pid', e)).toBe(th.pid);
      expect(field('tb.tag', e)).toBe(`seen:${name}`);
      expect(field('tb.count', e)).toBe(counts.get(th));
      expect(th.pluginFields).toEqual([`seen:${name}`, BigInt(counts.get(th)!)]);
      // The args and cgroups subtables, through the fields reached at init.
      expect(field('tb.args', e)).toBe(th.args.join(' '));
      expect(field('tb.cgroup', e)).toBe(th.cgroups[0]?.[1]);
      // The file_descriptors subtable: every fd of the thread, typed, and each found again by its fd.
      expect(field('tb.fds', e)).toBe(fdRows(th));
      if (th.args.length > 0) withArgs++;
      if (th.cgroups.length > 0) withCgroups++;
      seen = th;
      if (withThread % 40 === 1) {
        sampled++;
        const size = cap.inspector!.threads.size;
        expect(field('tb.nthreads', e)).toBe(size);
        expect(field('tb.iterated', e)).toBe(size);
        expect(field('tb.nfields', e)).toBe(listed.length);
      }
    }
    expect(withThread).toBeGreaterThan(100);
    expect(sampled).toBeGreaterThan(2);
    expect(withArgs).toBeGreaterThan(0);
    expect(withCgroups).toBeGreaterThan(0);
    expect(seen?.pluginFields).toHaveLength(2);
  });

  it("gives each thread's fds as its file_descriptors subtable: int64 fd keys, libsinsp's typed fields", async () => {
    let files = 0;
    let v4 = 0;
    let v6 = 0;
    let unix = 0;
    for (const fixtureName of ['cat_write', 'curl_google', 'test_ipv6_client']) {
      const cap = await capture({ plugins: [{ name: 'tables', library_path: tablesLib }], source: { file: fixture(fixtureName) } });
      let n = 0;
      for await (const e of cap) {
        const th = e.thread as ThreadInfo | undefined;
        if (e.type === 402 || !th) continue;
        if (n++ % 7 !== 0) continue; // a sample of the events, every type of fd still met
        expect(field('tb.fds', e)).toBe(fdRows(th));
        expect(field('tb.fd_err', e)).toBe("subtable 'file_descriptors' has no entry with fd -7");
        for (const f of th.fdTable()!.map.values()) {
          if (f.isFile() && f.ino > 0n) files++;
          if (f.type === FD_TYPE.IPV4_SOCK && f.sock && f.sock.v4sport > 0) v4++;
          if (f.type === FD_TYPE.IPV6_SOCK && f.sock && f.sock.v6dport > 0) v6++;
          if (f.type === FD_TYPE.UNIX_SOCK && f.sock && f.sock.unixSource > 0n) unix++;
        }
      }
      expect(n).toBeGreaterThan(10);
    }
    // Non-zero values of each kind went through the typed reads.
    expect(files).toBeGreaterThan(0);
    expect(v4).toBeGreaterThan(0);
    expect(v6).toBeGreaterThan(0);
    expect(unix).toBeGreaterThan(0);
  });

  it('the fields a plugin adds go with the thread: a new thread of the same tid starts without them', async () => {
    const m = await load([{ name: 'tables', library_path: tablesLib }]);
    const table = new ThreadTable();
    const add = (comm: string): ThreadInfo => {
      const t = table.newThread();
      t.tid = 42;
      t.pid = 42;
      t.comm = comm;
      table.add(t, true);
      return t;
    };
    // No thread table yet (no capture): an empty one.
    let e = syscallEvent(42);
    m.parse(e);
    expect(field('tb.nthreads', e)).toBe(0);
    expect(field('tb.comm', e)).toBeUndefined();
    m.tables.useThreads(() => table);
    const first = add('first');
    const step = (): unknown[] => {
      e = syscallEvent(42);
      m.parse(e);
      return ['tb.comm', 'tb.tag', 'tb.count', 'tb.nthreads'].map((f) => field(f, e));
    };
    expect(step()).toEqual(['first', 'seen:first', 1, 1]);
    expect(step()).toEqual(['first', 'seen:first', 2, 1]);
    expect(first.pluginFields).toEqual(['seen:first', 2n]);
    table.remove(42, true);
    const second = add('second');
    expect(step()).toEqual(['second', 'seen:second', 1, 1]);
    expect(second.pluginFields).toEqual(['seen:second', 1n]);
    table.remove(42, true);
    expect(step()).toEqual([undefined, undefined, undefined, 0]);
  });

  it.each([
    ['unknown_table', /^get_table: no table named 'nosuch' \(the tables are: threads\)$/],
    ['wrong_key', /^get_table: table 'threads' has keys of type int64, not string$/],
    ['unknown_field', /^get_table_field: table 'threads' has no field 'nosuch'$/],
    ['type_mismatch', /^get_table_field: field 'comm' of table 'threads' is of type string, not uint64$/],
    ['add_static', /^add_table_field: field 'comm' of table 'threads' is built in; it cannot be added$/],
    ['thread_read', /^get_table_size from another thread: .*not from the plugin's own threads$/],
    ['fd_type', /^get_table_field: field 'type' of table 'file_descriptors' is of type uint8, not uint32$/],
    ['fd_add', /^add_table_field: add_table_field 'mine': fields cannot be added to subtable 'file_descriptors'$/],
  ])('init fails on %s, with the owner error in the plugin error', async (tableCase, re) => {
    await expectPluginError(load([{ name: 'tables', library_path: tablesLib, init_config: { table_case: tableCase } }]), 'PLUGIN_INIT', re);
  });

  it.each([
    ['write_static', 'PLUGIN_PARSE', /^write_entry_field comm: field 'comm' of table 'threads' is read-only/],
    ['add_entry', 'PLUGIN_PARSE', /^add_table_entry: table 'threads' is kept by scap-ts's Inspector/],
    ['late_entry', 'PLUGIN_EXTRACT', /^read_entry_field: table 'threads': the entry .* outlived the plugin call that got it$/],
    ['late_subtable', 'PLUGIN_EXTRACT', /^get_table_size: subtable 'args' outlived the plugin call that read it$/],
  ])('%s fails the plugin call that tries it', async (tableCase, code, re) => {
    const run = async (): Promise<void> => {
      const cap = await capture({ plugins: [{ name: 'tables', library_path: tablesLib, init_config: { table_case: tableCase } }], source: { file: fixture('cat_write') } });
      for await (const e of cap) field('tb.comm', e);
    };
    await expectPluginError(run(), code, re);
  });

  // Built once: rebuilding a library this process has mapped would change it under the running code.
  let listenLib: string | undefined;
  const listenPlugin = (): string =>
    (listenLib ??= buildTestPlugin('listen', { PLUGIN_NAME: 'listen', NO_SOURCE: true, TABLES: true, LISTEN: true, FIELD_PREFIX: 'li', API_VERSION: '3.6.0' }));

  it('capture listening: capture_open sees the initial threads before any event, capture_close comes once', async () => {
    const listenLib = listenPlugin();
    // A manager of our own outlives the capture: its plugin can be asked about the close afterwards.
    const m = await load([{ name: 'listen', library_path: listenLib }]);
    expect(m.info()[0].capabilities.captureListening).toBe(true);
    const cap = await capture({ plugins: m, source: { file: fixture('cat_write') } });
    const initial = new Set(cap.inspector!.threads.map.values());
    expect(initial.size).toBeGreaterThan(10);
    let firstEvents = 0;
    const met = new Set<ThreadInfo>();
    for await (const e of cap) {
      if (e.type === 402) continue;
      expect(field('li.open_count', e)).toBe(initial.size);
      const th = e.thread as ThreadInfo | undefined;
      if (!th || met.has(th)) continue;
      met.add(th);
      if (initial.has(th)) {
        firstEvents++;
        expect(field('li.opened', e)).toBe(1);
      }
    }
    expect(firstEvents).toBeGreaterThan(0);
    await cap.close();
    expect(field('li.closes', syscallEvent(1))).toBe(1);
  });

  it('a failing capture_open fails openCapture with the plugin error', async () => {
    const listenLib = listenPlugin();
    const run = capture({ plugins: [{ name: 'listen', library_path: listenLib, init_config: { fail_open: true } }], source: { file: fixture('cat_write') } });
    await expectPluginError(run, 'PLUGIN_CAPTURE_OPEN', /^capture open refused by configuration$/);
  });

  it("lists a plugin's own table; another plugin reads it through the owner's vtables", async () => {
    // The owner requires API 3.0.0: its table input has only the legacy vtables.
    const owner = buildTestPlugin('tblowner', { PLUGIN_NAME: 'tblowner', NO_SOURCE: true, TABLES: true, FIELD_PREFIX: 'to', OWN_TABLE: 'words' });
    const reader = buildTestPlugin('tblreader', { PLUGIN_NAME: 'tblreader', NO_SOURCE: true, TABLES: true, FIELD_PREFIX: 'tr', PEER_TABLE: 'words', API_VERSION: '3.1.0' });
    const cap = await capture({
      plugins: [{ name: 'tblowner', library_path: owner }, { name: 'tblreader', library_path: reader }],
      source: { file: fixture('cat_write') },
    });
    const tables = cap.plugins!.tables;
    expect(tables.list()).toEqual([
      { name: 'threads', keyType: 'int64', owner: 'scap-ts' },
      { name: 'words', keyType: 'uint64', owner: 'tblowner' },
    ]);
    expect(tables.fields('words')).toEqual([
      { name: 'word', type: 'string', readOnly: true },
      { name: 'hits', type: 'uint64', readOnly: false },
    ]);
    expect(tables.fields('threads')!.slice(-4).map((f) => f.name)).toEqual(['to_tag', 'to_count', 'tr_tag', 'tr_count']);
    expect(tables.fields('nosuch')).toBeUndefined();
    // A second plugin cannot register a table of the same name.
    const dup = buildTestPlugin('tblowner2', { PLUGIN_NAME: 'tblowner2', NO_SOURCE: true, TABLES: true, FIELD_PREFIX: 'tw', OWN_TABLE: 'words', API_VERSION: '3.1.0' });
    await expectPluginError(cap.plugins!.add({ name: 'tblowner2', library_path: dup }), 'PLUGIN_INIT', /^add_table: add_table 'words': a table of that name is already registered$/);
    expect(tables.list().map((t) => t.name)).toEqual(['threads', 'words']);
    const words = ['alpha', 'beta', 'gamma', 'delta'];
    let n = 0;
    for await (const e of cap) {
      if (e.type === 402 || !e.thread) continue;
      if (n++ === 0) expect(field('tr.peer_err', e)).toBe("table 'words' of plugin 'tblowner': no entry 99 in table words");
      expect(field('tr.peer', e)).toBe(words[e.tid % 4]);
      // Each plugin counts in its own field.
      expect(field('tr.count', e)).toBe(field('to.count', e));
    }
    expect(n).toBeGreaterThan(100);
  });
});

describe('set_config and metrics', () => {
  const byName = (ms: readonly { name: string; type: string; value: number | bigint }[]) => Object.fromEntries(ms.map((m) => [m.name, m]));

  it('get_metrics: values of every type copied out, 64-bit ints as bigint, counters following the events', async () => {
    const cap = await capture({ plugins: [{ name: 'testplugin', library_path: lib, open_params: 'count=20' }], source: { plugin: 'testplugin' } });
    const p = cap.plugins!.get('testplugin')!;
    const snaps: ReturnType<typeof p.metrics>[] = [];
    for await (const e of cap) {
      if (e.type !== 322) continue;
      const n = Number(field('test.n', e));
      if (n === 4 || n === 9) snaps.push(p.metrics());
    }
    const [a, b] = snaps.map(byName);
    expect(snaps[0].map((m) => m.name)).toEqual(['events_parsed', 'fields_extracted', 'config_updates', 'level', 'ratio', 'scale', 'sign']);
    expect(a).toEqual({
      events_parsed: { name: 'events_parsed', type: 'monotonic', value: 5n },
      fields_extracted: { name: 'fields_extracted', type: 'monotonic', value: expect.any(Number) },
      config_updates: { name: 'config_updates', type: 'monotonic', value: 0 },
      level: { name: 'level', type: 'non_monotonic', value: -1n },
      ratio: { name: 'ratio', type: 'non_monotonic', value: 0.25 },
      scale: { name: 'scale', type: 'non_monotonic', value: 1.5 },
      sign: { name: 'sign', type: 'non_monotonic', value: -7 },
    });
    expect(b.events_parsed.value).toBe(10n);
    expect(a.fields_extracted.value as number).toBeGreaterThan(0);
    expect(b.fields_extracted.value as number).toBeGreaterThan(a.fields_extracted.value as number);
    // A copy: the plugin reusing its array does not change what was returned.
    expect(a.events_parsed.value).toBe(5n);
  });

  it('set_config: the new config changes behaviour and the metrics', async () => {
    const cap = await capture({ plugins: [{ name: 'testplugin', library_path: lib, open_params: 'count=12' }], source: { plugin: 'testplugin' } });
    const p = cap.plugins!.get('testplugin')!;
    const got: unknown[] = [];
    for await (const e of cap) {
      if (e.type !== 322) continue;
      if (got.length === 3) p.setConfig({ fail_extract: true, level: 42 });
      if (got.length === 6) cap.plugins!.setConfig('testplugin', '{"level":-3}');
      try {
        got.push(field('test.n', e));
      } catch (err) {
        expect((err as PluginError).code).toBe('PLUGIN_EXTRACT');
        expect((err as PluginError).pluginError).toBe('extraction refused');
        got.push('refused');
      }
      if (got.length === 5) expect(byName(p.metrics())).toMatchObject({ level: { value: 42n }, config_updates: { value: 1 } });
      // The manager's view, named as libsinsp names them (the plugins go with the capture's end).
      if (got.length === 12) {
        expect(byName(cap.plugins!.metrics())).toMatchObject({ 'testplugin.level': { value: -3n }, 'testplugin.config_updates': { value: 2 }, 'testplugin.events_parsed': { value: 12n } });
      }
    }
    expect(got).toEqual([0, 1, 2, 'refused', 'refused', 'refused', 6, 7, 8, 9, 10, 11]);
    expect(() => p.metrics()).toThrow(PluginError);
  });

  it('set_config refused by the plugin or by the schema: PLUGIN_SET_CONFIG, the config kept', async () => {
    const m = await load([{ name: 'testplugin', library_path: lib, init_config: { level: 5 } }]);
    const p = m.get('testplugin')!;
    await expectPluginError(() => p.setConfig({ reject_config: true, level: 1 }), 'PLUGIN_SET_CONFIG', /^config rejected: \{"reject_config":true,"level":1\}$/, /plugin 'testplugin': plugin_set_config failed/);
    await expectPluginError(() => p.setConfig({ level: 'high' }), 'PLUGIN_SET_CONFIG', '', /new config does not match the plugin's schema/);
    await expectPluginError(() => p.setConfig('{not json'), 'PLUGIN_SET_CONFIG', '', /new config is not valid JSON/);
    expect(byName(p.metrics())).toMatchObject({ level: { value: 5n }, config_updates: { value: 0 } });
    await expectPluginError(() => m.setConfig('absent', {}), 'PLUGIN_NOT_FOUND', undefined, /plugin 'absent'/);
  });

  it('a plugin without set_config / get_metrics: PLUGIN_UNSUPPORTED naming it, and no metrics', async () => {
    const bare = buildTestPlugin('noconfig', { PLUGIN_NAME: 'noconfig', PLUGIN_ID: 1001, EVENT_SOURCE: 'ncsrc', FIELD_PREFIX: 'nc', NO_SET_CONFIG: true, NO_METRICS: true });
    const m = await load([{ name: 'noconfig', library_path: bare }]);
    const p = m.get('noconfig')!;
    await expectPluginError(() => p.setConfig({}), 'PLUGIN_UNSUPPORTED', '', /plugin 'noconfig': does not implement plugin_set_config/);
    expect(p.metrics()).toEqual([]);
    expect(m.metrics()).toEqual([]);
  });

  it('a metric of an unknown value type is a PluginError', async () => {
    const m = await load([{ name: 'testplugin', library_path: lib, init_config: { bad_metric: true } }]);
    await expectPluginError(() => m.get('testplugin')!.metrics(), 'PLUGIN_METRICS', '', /metric bogus has unknown value type 99/);
  });

  it('TypeScript plugins: setConfig and metrics when they have them', async () => {
    let level = 0;
    const m = await load([
      { name: 'tscfg', plugin: { name: 'tscfg', initSchema: { type: 'object', properties: { level: { type: 'integer' } } }, parse() {}, setConfig: (c) => void (level = (c as { level: number }).level), metrics: () => [{ name: 'level', type: 'non_monotonic', value: level }] } },
      { name: 'tsbare', plugin: { name: 'tsbare', parse() {} } },
    ]);
    m.setConfig('tscfg', { level: 3 });
    expect(m.get('tscfg')!.metrics()).toEqual([{ name: 'level', type: 'non_monotonic', value: 3 }]);
    await expectPluginError(() => m.setConfig('tscfg', { level: 'x' }), 'PLUGIN_SET_CONFIG');
    await expectPluginError(() => m.setConfig('tsbare', {}), 'PLUGIN_UNSUPPORTED', '', /plugin 'tsbare': does not implement setConfig/);
    expect(m.metrics()).toEqual([{ name: 'tscfg.level', type: 'non_monotonic', value: 3 }]);
  });
});

describe('dump_state', () => {
  let dump: string;
  beforeAll(() => {
    dump = buildTestPlugin('dumpplugin', { DUMP_STATE: true, PLUGIN_NAME: 'dumpplugin' });
  });
  const asyncName = (e: Event) => {
    const l1 = e.view.getUint32(e.offset + 30, true);
    const start = e.offset + 42;
    return Buffer.from(e.bytes.subarray(start, start + l1)).toString('utf8').replace(/\0+$/, '');
  };
  const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

  it('gives the events plugin_dump_state emits, in order, checked and stamped with the plugin id', async () => {
    const m = await load([{ name: 'dumpplugin', library_path: dump, init_config: {} }]);
    m.setConfig('dumpplugin', {});
    const got = m.dumpState();
    expect(got).toHaveLength(2);
    const evts = got.map((b) => new EventBatch(b, new Uint32Array([0]), 1, new Uint16Array(1), new Uint32Array(1)).at(0));
    expect(evts.map((e) => [e.type, e.ts, pluginIdOf(e), asyncName(e), text(pluginPayload(e))])).toEqual([
      [402, 3000000000n, 999, 'test_tick', 'state:config_updates=1'],
      [402, 3000000001n, 999, 'test_tick', 'state:parsed=0'],
    ]);
    // The plugin's own view of it gives the same events.
    expect(m.get('dumpplugin')!.dumpState().map((b) => b.length)).toEqual(got.map((b) => b.length));
  });

  it('a plugin without dump_state (or without async events) adds nothing', async () => {
    const m = await load([
      { name: 'testplugin', library_path: lib },
      { name: 'tsonly', plugin: { name: 'tsonly', parse() {} } },
    ]);
    expect(m.get('testplugin')!.dumpState()).toEqual([]);
    expect(m.get('tsonly')!.dumpState()).toEqual([]);
    expect(m.dumpState()).toEqual([]);
  });

  it('a failing dump_state: PLUGIN_DUMP_STATE with the plugin\'s last error', async () => {
    const m = await load([{ name: 'dumpplugin', library_path: dump, init_config: { fail_dump: true } }]);
    await expectPluginError(() => m.dumpState(), 'PLUGIN_DUMP_STATE', 'state dump refused', /plugin_dump_state failed \(rc 1\)/);
  });

  describe('-w', () => {
    const cli = (args: string[]) => {
      const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8', env: { ...process.env, SCAP_TS_PLUGIN_DIR: testPluginDir() } });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const firstEvents = async (path: string, n: number) => {
      await using back = await ScapReader.open(path);
      const out: unknown[] = [];
      for await (const b of back.batches()) {
        for (let i = 0; i < b.length && out.length < n; i++) {
          const e = b.at(i);
          out.push(e.type === 402 ? [e.type, pluginIdOf(e), asyncName(e), text(pluginPayload(e))] : [e.type]);
        }
        if (out.length >= n) break;
      }
      return out;
    };

    it("writes the plugins' state dumps as the file's first events", async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'scap-ts-dump-')), 'dump.scap');
      const r = cli(['-H', 'dumpplugin', '-I', 'dumpplugin:count=3', '-w', out, '-q']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(await firstEvents(out, 3)).toEqual([
        [402, 999, 'test_tick', 'state:config_updates=0'],
        [402, 999, 'test_tick', 'state:parsed=0'],
        [322],
      ]);
      // Read back with the plugin loaded, they are its async events.
      const back = cli(['-H', 'dumpplugin', '-r', out, '-n', '2', '-p', '%evt.pluginname %evt.asynctype %evt.source']);
      expect(back.stdout).toBe('dumpplugin test_tick testsrc\ndumpplugin test_tick testsrc\n');
    });

    it('a plugin without dump_state writes nothing before the events', async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'scap-ts-dump-')), 'plain.scap');
      expect(cli(['-H', 'testplugin', '-I', 'testplugin:count=3', '-w', out, '-q']).status).toBe(0);
      expect(await firstEvents(out, 1)).toEqual([[322]]);
    });

    it('a failing dump_state stops the write with a PluginError', () => {
      const out = join(mkdtempSync(join(tmpdir(), 'scap-ts-dump-')), 'fail.scap');
      const r = cli(['-H', 'dumpplugin:{"fail_dump":true}', '-I', 'dumpplugin:count=3', '-w', out, '-q']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("PluginError [PLUGIN_DUMP_STATE]: plugin 'dumpplugin': plugin_dump_state failed (rc 1): state dump refused");
    });
  });
});

describe('configuration', () => {
  it("reads Falco's plugins / load_plugins from YAML", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scap-ts-yaml-'));
    const yaml = join(dir, 'plugins.yaml');
    writeFileSync(yaml, [
      'plugins:',
      '  - name: testplugin',
      `    library_path: ${lib}`,
      '    init_config:',
      '      label: from-yaml',
      '    open_params: "count=4"',
      '  - name: unused',
      '    library_path: libunused.so',
      'load_plugins: [testplugin]',
      '',
    ].join('\n'));
    const config = loadPluginsConfigFile(yaml);
    expect(config.load_plugins).toEqual(['testplugin']);
    const cap = await capture({ plugins: config, source: { plugin: 'testplugin' } });
    let n = 0;
    for await (const e of cap) if (e.type === 322) n++;
    expect(n).toBe(4);
  });

  it('finds plugins by name in SCAP_TS_PLUGIN_DIR; parses -H and -I', () => {
    const dir = testPluginDir();
    expect(resolveLibrary('testplugin', [dir])).toBe(lib);
    expect(resolveLibrary('libtestplugin.so', [dir])).toBe(lib);
    expect(parsePluginFlag('testplugin:{"label":"a:b"}')).toEqual({ name: 'testplugin', library_path: 'testplugin', init_config: '{"label":"a:b"}' });
    expect(parsePluginFlag('/x/libdummy.so')).toEqual({ name: 'dummy', library_path: '/x/libdummy.so', init_config: undefined });
    expect(parseInputFlag('testplugin:count=5,step=2')).toEqual({ plugin: 'testplugin', openParams: 'count=5,step=2' });
    expect(parseInputFlag('k8saudit')).toEqual({ plugin: 'k8saudit' });
  });

  it('validates JSON Schema keywords plugins use', () => {
    const schema = { type: 'object', required: ['a'], properties: { a: { type: 'integer', minimum: 1 }, b: { enum: ['x', 'y'] }, c: { type: 'array', items: { type: 'string' } } }, additionalProperties: false };
    expect(validateSchema({ a: 2, b: 'x', c: ['s'] }, schema)).toEqual([]);
    expect(validateSchema({ b: 'z', c: [1], d: 1 }, schema)).toEqual([
      "$: missing required property 'a'",
      '$.b: not one of ["x","y"]',
      '$.c[0]: expected string, got integer',
      "$: unknown property 'd'",
    ]);
  });
});

describe('CLI plugin flags', () => {
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8', env: { ...process.env, SCAP_TS_PLUGIN_DIR: testPluginDir(), ...env } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('-H NAME -I NAME:PARAMS -p prints plugin fields', () => {
    const r = cli(['-H', 'testplugin', '-I', 'testplugin:count=3', '-p', '%evt.source %test.n %test.msg']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('testsrc 0 alpha\ntestsrc 1 beta\ntestsrc 2 gamma\n');
  });

  it('-H with an init config; -j with plugin fields', () => {
    const r = cli(['-H', 'testplugin:{"label":"x"}', '-I', 'testplugin:count=2', '-j', '-p', '%test.n %test.even %test.tags']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { 'test.n': 0, 'test.even': true, 'test.tags': ['t0', 'alpha'] },
      { 'test.n': 1, 'test.even': false, 'test.tags': ['t1', 'beta'] },
    ]);
  });

  it('-w records plugin events; -r with the plugin loaded extracts its fields again', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'scap-ts-w-')), 'plugin.scap');
    expect(cli(['-H', 'testplugin', '-I', 'testplugin:count=3', '-w', out, '-q']).status).toBe(0);
    const r = cli(['-H', 'testplugin', '-r', out, '-p', '%evt.source %test.n %test.msg']);
    expect(r.stdout).toBe('testsrc 0 alpha\ntestsrc 1 beta\ntestsrc 2 gamma\n');
    // Without the plugin the events still read, as plugin events.
    expect(cli(['-r', out]).stdout.split('\n')[0]).toContain('pluginevent plugin_id=999 event_data=n=0 msg=alpha');
  });

  it('-Il lists the loaded plugins', () => {
    const r = cli(['-H', 'testplugin', '-Il']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 Plugins Loaded:');
    expect(r.stdout).toContain('Name: testplugin');
    expect(r.stdout).toContain("  - Event Sourcing (ID=999, source='testsrc')");
    expect(r.stdout).toContain('  - Field Extraction (test.n, test.msg');
    expect(r.stdout).toContain('  count=20  twenty events');
  });

  it('--plugin-config-file loads plugins from YAML; errors name the plugin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scap-ts-yaml-'));
    const yaml = join(dir, 'falco.yaml');
    writeFileSync(yaml, `plugins:\n  - name: testplugin\n    library_path: libtestplugin.so\n    open_params: count=2\nload_plugins: [testplugin]\n`);
    const r = cli(['--plugin-config-file', yaml, '-I', 'testplugin', '-p', '%test.msg']);
    expect(r.stdout).toBe('alpha\nbeta\n');
    const bad = cli(['-H', 'testplugin:{"fail_init":true}', '-I', 'testplugin']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("PluginError [PLUGIN_INIT]: plugin 'testplugin': plugin_init failed (rc 1): init refused by configuration");
  });
});
