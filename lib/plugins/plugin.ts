/**
 * Loaded plugins behind one internal interface, whether a shared library
 * (through the addon's PluginHost) or a TypeScript object. The loader rules
 * that concern one plugin alone live here: required exports, API version,
 * capability halves, the fields list, the init config against its schema
 * (and a set_config one likewise); the optional set_config, get_metrics
 * and dump_state are methods of the loaded plugin.
 */
import { PluginError } from '../errors.js';
import { EventBatch } from '../events/batch.js';
import { EVENT_HEADER_SIZE, type Event } from '../events/event.js';
import { loadNative } from '../native/index.js';
import { validateSchema } from './schema.js';
import type { NativeTables } from './tables.js';
import {
  PLUGIN_API_VERSION,
  type FieldRequest,
  type OpenParam,
  type PluginEvent,
  type PluginFieldInfo,
  type PluginFieldType,
  type PluginInfo,
  type PluginMetric,
  type PluginSourceInstance,
  type TsPlugin,
} from './types.js';

export const PLUGIN_EVENT_TYPE = 322;
export const ASYNC_EVENT_TYPE = 402;
const PAYLOAD_OFFSET = EVENT_HEADER_SIZE + 8 + 4; // lengths of 2 params + plugin_id

/** A stream opened on a source plugin. `next()` gives an empty batch for "none now" and null at the end. */
export interface PluginStream {
  next(): Promise<EventBatch | null>;
  progress(): { pct: number; text?: string } | null;
  close(): Promise<void>;
}

export interface LoadedPlugin {
  readonly info: PluginInfo;
  readonly extractSources: readonly string[] | undefined;
  readonly extractTypes: readonly number[] | undefined;
  readonly parseSources: readonly string[] | undefined;
  readonly parseTypes: readonly number[] | undefined;
  readonly asyncSources: readonly string[] | undefined;
  open(params: string): Promise<PluginStream>;
  listOpenParams(): OpenParam[];
  eventToString(evt: Event, num: number, source: string): string | null;
  /** A function extracting all `requests` of one event in one call. */
  makeExtractor(requests: readonly FieldRequest[]): (evt: Event, num: number, source: string) => unknown[];
  parse(evt: Event, num: number, source: string): void;
  startAsync(onEvent: (bytes: Uint8Array) => void): void;
  stopAsync(): void;
  /** Capture listening: the capture opened (its initial threads are loaded) or closed. */
  captureOpen(): void;
  captureClose(): void;
  /**
   * plugin_set_config: hands the plugin a new config (an object is passed
   * as JSON), validated against its init schema as libsinsp does. A plugin
   * without set_config: PluginError PLUGIN_UNSUPPORTED; a refusal:
   * PluginError PLUGIN_SET_CONFIG with the plugin's last error.
   */
  setConfig(config: unknown): void;
  /** plugin_get_metrics, copied; [] for a plugin without it (as Falco treats it). */
  metrics(): PluginMetric[];
  /**
   * plugin_dump_state (async events capability): the events the plugin
   * emits, synchronously, to describe its state, raw and in order; [] for a
   * plugin without it. A failure: PluginError PLUGIN_DUMP_STATE with the
   * plugin's last error.
   */
  dumpState(): Uint8Array[];
  destroy(): Promise<void>;
}

// ---- API version ----------------------------------------------------------

function parseSemver(v: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * Falco's rule: a plugin requiring M.m.p runs on framework M'.m'.p' iff
 * M = M', and m' > m or (m' = m and p' >= p).
 */
export function apiCompatible(required: string, framework: string = PLUGIN_API_VERSION): boolean {
  const r = parseSemver(required);
  const f = parseSemver(framework);
  if (!r || !f) return false;
  if (r[0] !== f[0]) return false;
  if (f[1] !== r[1]) return f[1] > r[1];
  return f[2] >= r[2];
}

function checkApiVersion(name: string, required: string | null | undefined): string {
  if (required === null || required === undefined || parseSemver(required) === undefined) {
    throw new PluginError('PLUGIN_API_VERSION', `invalid required API version '${required ?? 'NULL'}'`, name);
  }
  if (!apiCompatible(required)) {
    throw new PluginError('PLUGIN_API_VERSION', `requires plugin API version ${required}, which is not compatible with the framework's ${PLUGIN_API_VERSION}`, name);
  }
  return required;
}

// ---- fields JSON ----------------------------------------------------------

const FIELD_TYPES: ReadonlySet<string> = new Set(['string', 'uint64', 'bool', 'reltime', 'abstime', 'ipaddr', 'ipnet']);
export const FTYPE_CODE: Record<PluginFieldType, number> = { uint64: 8, string: 9, reltime: 20, abstime: 21, bool: 25, ipaddr: 40, ipnet: 41 };

export function parseFields(plugin: string, json: string | null | readonly PluginFieldInfo[]): PluginFieldInfo[] {
  let list: unknown;
  if (typeof json === 'string') {
    try {
      list = JSON.parse(json);
    } catch (e) {
      throw new PluginError('PLUGIN_FIELDS', `get_fields returned invalid JSON: ${(e as Error).message}`, plugin);
    }
  } else list = json;
  if (!Array.isArray(list)) throw new PluginError('PLUGIN_FIELDS', 'get_fields did not return a JSON array', plugin);
  if (list.length === 0) throw new PluginError('PLUGIN_FIELDS', 'get_fields returned an empty list', plugin);
  const seen = new Set<string>();
  return list.map((f: unknown, i) => {
    const o = f as Record<string, unknown>;
    if (typeof o !== 'object' || o === null) throw new PluginError('PLUGIN_FIELDS', `field ${i} is not an object`, plugin);
    for (const k of ['name', 'type', 'desc']) {
      if (typeof o[k] !== 'string' || (k !== 'desc' && o[k] === '')) throw new PluginError('PLUGIN_FIELDS', `field ${i} lacks '${k}'`, plugin);
    }
    if (!FIELD_TYPES.has(o.type as string)) throw new PluginError('PLUGIN_FIELDS', `field '${o.name}' has unknown type '${o.type}'`, plugin);
    if (seen.has(o.name as string)) throw new PluginError('PLUGIN_FIELDS', `field '${o.name}' is listed twice`, plugin);
    seen.add(o.name as string);
    const arg = o.arg as PluginFieldInfo['arg'] | undefined;
    if (arg?.isIndex && arg?.isKey) throw new PluginError('PLUGIN_FIELDS', `field '${o.name}': an argument is an index or a key, not both`, plugin);
    return o as unknown as PluginFieldInfo;
  });
}

function parseJsonList(plugin: string, what: string, json: string | null): string[] | undefined {
  if (json === null || json === '') return undefined;
  try {
    const v = JSON.parse(json) as unknown;
    if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  } catch {
    // reported below
  }
  throw new PluginError('PLUGIN_BAD_JSON', `${what} is not a JSON array of strings: ${json}`, plugin);
}

/** The init config (or, with `what` 'new', a set_config one) as the plugin receives it, validated against its schema. */
function initConfigText(plugin: string, config: unknown, schema: string | object | undefined, what: 'init' | 'new' = 'init'): string {
  const code = what === 'init' ? 'PLUGIN_INIT_CONFIG' : 'PLUGIN_SET_CONFIG';
  let text = config === undefined || config === null ? '' : typeof config === 'string' ? config : JSON.stringify(config);
  if (schema === undefined) return text;
  const schemaObj = typeof schema === 'string' ? (JSON.parse(schema) as object) : schema;
  if (text === '') text = '{}';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new PluginError(code, `${what} config is not valid JSON (the plugin has a schema): ${(e as Error).message}`, plugin);
  }
  const problems = validateSchema(value, schemaObj);
  if (problems.length > 0) throw new PluginError(code, `${what} config does not match the plugin's schema: ${problems.join('; ')}`, plugin);
  return text;
}

// ---- native plugins -------------------------------------------------------

/**
 * The event's bytes and offset as plugins expect them: the current layout
 * with a 26-byte header. Events of old captures (22-byte headers, no nparams)
 * are rewritten into a scratch buffer.
 */
let scratch = new Uint8Array(4096);
function currentLayout(evt: Event): [Uint8Array, number] {
  if (evt.headerSize === EVENT_HEADER_SIZE) return [evt.bytes, evt.offset];
  const len = evt.len;
  const body = len - evt.headerSize;
  const total = EVENT_HEADER_SIZE + body;
  if (scratch.length < total) scratch = new Uint8Array(total * 2);
  const v = new DataView(scratch.buffer);
  scratch.set(evt.bytes.subarray(evt.offset, evt.offset + 20), 0);
  v.setUint32(16, total, true);
  v.setUint16(20, evt.type, true);
  v.setUint32(22, Math.max(0, evt.nparams), true);
  scratch.set(evt.bytes.subarray(evt.offset + evt.headerSize, evt.offset + len), EVENT_HEADER_SIZE);
  return [scratch, 0];
}

interface NativeHost {
  symbols(): string[];
  str(name: string): string | null;
  id(): number | null;
  initSchema(): { type: number; schema: string | null };
  init(config: string, tables: NativeTables, name: string): void;
  lastError(): string;
  eventTypes(kind: 'extract' | 'parse'): number[] | null;
  open(params: string): number;
  close(inst: number): void;
  listOpenParams(): string | null;
  progress(inst: number): { pct: number; text: string | null } | null;
  nextBatch(inst: number): { rc: number; bytes?: Uint8Array; offsets?: Uint32Array; count?: number };
  eventToString(bytes: Uint8Array, offset: number, num: number, src: string): string | null;
  prepareFields(reqs: { id: number; name: string; arg?: string; index?: number; type: number; list: boolean }[]): number;
  extract(handle: number, bytes: Uint8Array, offset: number, num: number, src: string): unknown[];
  parse(bytes: Uint8Array, offset: number, num: number, src: string): void;
  setAsyncHandler(fn: ((b: Uint8Array) => void) | null): void;
  captureListen(open: boolean): void;
  setConfig(config: string): void;
  metrics(): { name: string; type: number; valueType: number; value: number | bigint }[] | null;
  dumpState(): Uint8Array[] | null;
  destroy(): void;
}

type HostCtor = new (path: string) => NativeHost;

const REQUIRED = ['get_required_api_version', 'get_version', 'get_name', 'get_description', 'get_contact', 'init', 'destroy', 'get_last_error'];
const SOURCING = ['open', 'close', 'next_batch'];

/** Turns an addon error into a PluginError carrying the plugin's last error. */
function wrap<T>(plugin: string, code: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PluginError) throw e;
    const err = e as { message?: string; pluginError?: string };
    throw new PluginError(code, err.message ?? String(e), plugin, err.pluginError ?? '', { cause: e });
  }
}

function unsupported(plugin: string, fn: string): PluginError {
  return new PluginError('PLUGIN_UNSUPPORTED', `does not implement ${fn}`, plugin);
}

const METRIC_TYPES: readonly PluginMetric['type'][] = ['monotonic', 'non_monotonic'];

/** A metric as the API types it: its kind one of the two, its value a number or a bigint. */
function checkMetric(plugin: string, m: { name: unknown; type: unknown; value: unknown }, i: number): PluginMetric {
  const type = typeof m.type === 'number' ? METRIC_TYPES[m.type] : METRIC_TYPES.find((t) => t === m.type);
  if (typeof m.name !== 'string') throw new PluginError('PLUGIN_METRICS', `metric ${i} has no name`, plugin);
  if (type === undefined) throw new PluginError('PLUGIN_METRICS', `metric ${m.name} has unknown type ${String(m.type)}`, plugin);
  if (typeof m.value !== 'number' && typeof m.value !== 'bigint') throw new PluginError('PLUGIN_METRICS', `metric ${m.name} has no numeric value`, plugin);
  return { name: m.name, type, value: m.value };
}

/** Loads a plugin library; `tables`: the state tables it shares with the other plugins of its manager. */
export function loadNativePlugin(libraryPath: string, initConfig: unknown, tables: NativeTables, label = libraryPath): LoadedPlugin {
  const Host = (loadNative() as unknown as { PluginHost: HostCtor }).PluginHost;
  const host = wrap(label, 'PLUGIN_DLOPEN', () => new Host(libraryPath));
  const syms = new Set(host.symbols());
  for (const s of REQUIRED) {
    if (!syms.has(s)) throw new PluginError('PLUGIN_MISSING_SYMBOL', `${libraryPath} does not export the required symbol plugin_${s}`, label);
  }
  const requiredApiVersion = checkApiVersion(label, host.str('get_required_api_version'));
  const meta = (k: string): string => {
    const v = host.str(k);
    if (v === null) throw new PluginError('PLUGIN_NULL_STRING', `plugin_${k} returned NULL`, label);
    return v;
  };
  const name = meta('get_name');
  if (name === '') throw new PluginError('PLUGIN_NULL_STRING', 'plugin_get_name returned an empty name', label);
  const version = meta('get_version');
  if (!parseSemver(version)) throw new PluginError('PLUGIN_VERSION', `plugin version '${version}' is not semantic (M.m.p)`, name);
  const description = meta('get_description');
  const contact = meta('get_contact');

  const sourceSyms = SOURCING.filter((s) => syms.has(s));
  const sourcing = sourceSyms.length === SOURCING.length;
  if (sourceSyms.length > 0 && !sourcing) {
    const missing = SOURCING.filter((s) => !syms.has(s)).map((s) => `plugin_${s}`);
    throw new PluginError('PLUGIN_BROKEN', `has part of the event sourcing capability but not ${missing.join(', ')}`, name);
  }
  if (syms.has('get_id') !== syms.has('get_event_source')) {
    throw new PluginError('PLUGIN_BROKEN', 'exports only one of plugin_get_id and plugin_get_event_source (both or neither)', name);
  }
  const extraction = syms.has('get_fields') && syms.has('extract_fields');
  if (syms.has('get_fields') !== syms.has('extract_fields')) throw new PluginError('PLUGIN_BROKEN', 'exports only one of plugin_get_fields and plugin_extract_fields', name);
  const parsing = syms.has('parse_event');
  const async = syms.has('get_async_events') && syms.has('set_async_event_handler');
  if (syms.has('get_async_events') !== syms.has('set_async_event_handler')) throw new PluginError('PLUGIN_BROKEN', 'exports only one of plugin_get_async_events and plugin_set_async_event_handler', name);
  const captureListening = syms.has('capture_open') && syms.has('capture_close');
  if (syms.has('capture_open') !== syms.has('capture_close')) throw new PluginError('PLUGIN_BROKEN', 'exports only one of plugin_capture_open and plugin_capture_close', name);
  if (!sourcing && !extraction && !parsing && !async && !captureListening) throw new PluginError('PLUGIN_NO_CAPABILITY', 'has no capability (sourcing, extraction, parsing, async, capture listening)', name);

  let id = 0;
  let eventSource: string | undefined;
  if (sourcing && syms.has('get_id')) {
    id = host.id() ?? 0;
    eventSource = host.str('get_event_source') ?? '';
    if (eventSource === '') throw new PluginError('PLUGIN_NULL_STRING', 'plugin_get_event_source returned NULL or an empty name', name);
    if (eventSource === 'syscall') throw new PluginError('PLUGIN_SOURCE', "a source plugin with an id cannot produce the reserved 'syscall' source", name);
  } else if (sourcing) {
    // No id and no source name: the plugin produces scap events of the syscall source.
    eventSource = 'syscall';
  }
  const fields = extraction ? parseFields(name, host.str('get_fields')) : [];
  const asyncEvents = async ? (parseJsonList(name, 'plugin_get_async_events', host.str('get_async_events')) ?? []) : [];
  const schema = host.initSchema();
  const initSchema = schema.type === 1 && schema.schema ? schema.schema : undefined;
  if (initSchema !== undefined) {
    try {
      JSON.parse(initSchema);
    } catch {
      throw new PluginError('PLUGIN_INIT_SCHEMA', 'plugin_get_init_schema returned invalid JSON', name);
    }
  }
  const config = initConfigText(name, initConfig, initSchema);
  wrap(name, 'PLUGIN_INIT', () => host.init(config, tables, name));

  const info: PluginInfo = {
    name, version, description, contact, requiredApiVersion, id, eventSource,
    capabilities: { sourcing, extraction, parsing, async, captureListening },
    fields, initSchema, kind: 'native', libraryPath, asyncEvents,
  };
  return new NativePlugin(host, info, syms);
}

class NativePlugin implements LoadedPlugin {
  readonly extractSources: readonly string[] | undefined;
  readonly extractTypes: readonly number[] | undefined;
  readonly parseSources: readonly string[] | undefined;
  readonly parseTypes: readonly number[] | undefined;
  readonly asyncSources: readonly string[] | undefined;
  #destroyed = false;

  constructor(readonly host: NativeHost, readonly info: PluginInfo, private readonly syms: Set<string>) {
    const n = info.name;
    this.extractSources = info.capabilities.extraction ? parseJsonList(n, 'plugin_get_extract_event_sources', host.str('get_extract_event_sources')) : undefined;
    this.extractTypes = info.capabilities.extraction && syms.has('get_extract_event_types') ? (host.eventTypes('extract') ?? undefined) : undefined;
    this.parseSources = info.capabilities.parsing ? parseJsonList(n, 'plugin_get_parse_event_sources', host.str('get_parse_event_sources')) : undefined;
    this.parseTypes = info.capabilities.parsing && syms.has('get_parse_event_types') ? (host.eventTypes('parse') ?? undefined) : undefined;
    this.asyncSources = info.capabilities.async ? parseJsonList(n, 'plugin_get_async_event_sources', host.str('get_async_event_sources')) : undefined;
  }

  async open(params: string): Promise<PluginStream> {
    const name = this.info.name;
    const host = this.host;
    const inst = wrap(name, 'PLUGIN_OPEN', () => host.open(params));
    let ended = false;
    let closed = false;
    let last: { pct: number; text?: string } | null = null;
    return {
      next: async () => {
        if (ended || closed) return null;
        const r = wrap(name, 'PLUGIN_NEXT_BATCH', () => host.nextBatch(inst));
        if (r.rc === 2) ended = true;
        const n = r.count ?? 0;
        if (n === 0) {
          if (ended) return null;
          // TIMEOUT, or a success with no events: give way to the event loop.
          await new Promise<void>((res) => setImmediate(res));
          return EMPTY_BATCH;
        }
        return new EventBatch(r.bytes!, r.offsets!, n, new Uint16Array(n), new Uint32Array(n));
      },
      progress: () => {
        if (!closed && !this.#destroyed) {
          const p = host.progress(inst);
          last = p === null ? null : { pct: p.pct / 10000, text: p.text ?? undefined };
        }
        return last;
      },
      close: async () => {
        if (closed) return;
        if (!this.#destroyed) {
          const p = host.progress(inst);
          last = p === null ? null : { pct: p.pct / 10000, text: p.text ?? undefined };
        }
        closed = true;
        if (!this.#destroyed) host.close(inst);
      },
    };
  }

  listOpenParams(): OpenParam[] {
    const text = wrap(this.info.name, 'PLUGIN_OPEN_PARAMS', () => this.host.listOpenParams());
    if (text === null || text === '') return [];
    try {
      return JSON.parse(text) as OpenParam[];
    } catch {
      throw new PluginError('PLUGIN_BAD_JSON', `plugin_list_open_params returned invalid JSON: ${text}`, this.info.name);
    }
  }

  eventToString(evt: Event, num: number, source: string): string | null {
    const [b, o] = currentLayout(evt);
    return wrap(this.info.name, 'PLUGIN_EVENT_TO_STRING', () => this.host.eventToString(b, o, num, source));
  }

  makeExtractor(requests: readonly FieldRequest[]): (evt: Event, num: number, source: string) => unknown[] {
    const byName = new Map(this.info.fields.map((f) => [f.name, f]));
    const handle = this.host.prepareFields(
      requests.map((r) => {
        const f = byName.get(r.name)!;
        return { id: r.fieldId, name: r.name, arg: f.arg?.isIndex ? undefined : r.arg, index: r.index, type: FTYPE_CODE[f.type], list: !!f.isList };
      }),
    );
    const host = this.host;
    const name = this.info.name;
    return (evt, num, source) => {
      try {
        if (evt.headerSize !== EVENT_HEADER_SIZE) {
          const [b, o] = currentLayout(evt);
          return host.extract(handle, b, o, num, source);
        }
        return host.extract(handle, evt.bytes, evt.offset, num, source);
      } catch (e) {
        return wrap(name, 'PLUGIN_EXTRACT', () => {
          throw e;
        });
      }
    };
  }

  parse(evt: Event, num: number, source: string): void {
    const [b, o] = currentLayout(evt);
    wrap(this.info.name, 'PLUGIN_PARSE', () => this.host.parse(b, o, num, source));
  }

  startAsync(onEvent: (bytes: Uint8Array) => void): void {
    wrap(this.info.name, 'PLUGIN_ASYNC', () => this.host.setAsyncHandler(onEvent));
  }

  stopAsync(): void {
    if (!this.#destroyed) wrap(this.info.name, 'PLUGIN_ASYNC', () => this.host.setAsyncHandler(null));
  }

  captureOpen(): void {
    wrap(this.info.name, 'PLUGIN_CAPTURE_OPEN', () => this.host.captureListen(true));
  }

  captureClose(): void {
    if (!this.#destroyed) wrap(this.info.name, 'PLUGIN_CAPTURE_CLOSE', () => this.host.captureListen(false));
  }

  setConfig(config: unknown): void {
    const name = this.info.name;
    if (!this.syms.has('set_config')) throw unsupported(name, 'plugin_set_config');
    const text = initConfigText(name, config, this.info.initSchema, 'new');
    wrap(name, 'PLUGIN_SET_CONFIG', () => this.host.setConfig(text));
  }

  metrics(): PluginMetric[] {
    const name = this.info.name;
    const list = wrap(name, 'PLUGIN_METRICS', () => this.host.metrics());
    return list === null ? [] : list.map((m, i) => checkMetric(name, m, i));
  }

  dumpState(): Uint8Array[] {
    if (!this.info.capabilities.async) return [];
    return wrap(this.info.name, 'PLUGIN_DUMP_STATE', () => this.host.dumpState()) ?? [];
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.host.destroy();
  }
}

export const EMPTY_BATCH = new EventBatch(new Uint8Array(0), new Uint32Array(0), 0, new Uint16Array(0), new Uint32Array(0));

// ---- plugin events --------------------------------------------------------

/** The payload of a plugin event (322) or an async event (402). */
export function pluginPayload(evt: Event): Uint8Array {
  const v = evt.view;
  const o = evt.offset;
  const type = v.getUint16(o + 20, true);
  if (type === PLUGIN_EVENT_TYPE) {
    const l0 = v.getUint32(o + 26, true);
    const l1 = v.getUint32(o + 30, true);
    const start = o + 34 + l0;
    return evt.bytes.subarray(start, start + l1);
  }
  if (type === ASYNC_EVENT_TYPE) {
    const l0 = v.getUint32(o + 26, true);
    const l1 = v.getUint32(o + 30, true);
    const l2 = v.getUint32(o + 34, true);
    const start = o + 38 + l0 + l1;
    return evt.bytes.subarray(start, start + l2);
  }
  return new Uint8Array(0);
}

/**
 * What is wrong with an async event plugin `p` emitted (not a 3-parameter
 * asyncevent, or named otherwise than its get_async_events says), or
 * undefined; a good one is stamped as the framework does: plugin_id set
 * (param 0, after the 3 u32 lengths), a ts of (u64)-1 replaced by now.
 */
export function checkAsyncEvent(p: LoadedPlugin, b: Uint8Array): string | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 42 || v.getUint16(20, true) !== ASYNC_EVENT_TYPE || v.getUint32(22, true) !== 3) return 'an async event that is not a 3-parameter asyncevent (402)';
  const l1 = v.getUint32(30, true);
  let end = 42 + l1;
  while (end > 42 && b[end - 1] === 0) end--;
  const name = Buffer.from(b.subarray(42, end)).toString('utf8');
  if (!p.info.asyncEvents.includes(name)) return `an async event named '${name}', not in its get_async_events`;
  if (p.info.id !== 0) v.setUint32(38, p.info.id, true);
  if (v.getBigUint64(0, true) === 0xffffffffffffffffn) v.setBigUint64(0, BigInt(Date.now()) * 1_000_000n, true);
  return undefined;
}

/** plugin_id of a plugin or async event; 0 for other events. */
export function pluginIdOf(evt: Event): number {
  const type = evt.view.getUint16(evt.offset + 20, true);
  if (type === PLUGIN_EVENT_TYPE) return evt.view.getUint32(evt.offset + 34, true);
  if (type === ASYNC_EVENT_TYPE) return evt.view.getUint32(evt.offset + 38, true);
  return 0;
}

/** Encodes one plugin event (322): 26-byte header, two u32 lengths, plugin_id, payload. */
export function encodePluginEvent(out: Uint8Array, view: DataView, at: number, ts: bigint, pluginId: number, data: Uint8Array): number {
  const len = PAYLOAD_OFFSET + data.length;
  view.setBigUint64(at, ts, true);
  view.setBigInt64(at + 8, -1n, true);
  view.setUint32(at + 16, len, true);
  view.setUint16(at + 20, PLUGIN_EVENT_TYPE, true);
  view.setUint32(at + 22, 2, true);
  view.setUint32(at + 26, 4, true);
  view.setUint32(at + 30, data.length, true);
  view.setUint32(at + 34, pluginId, true);
  out.set(data, at + 38);
  return len;
}

// ---- TypeScript plugins ---------------------------------------------------

const encoder = new TextEncoder();

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** The PluginEvent view a TypeScript plugin receives. */
export function pluginEventView(evt: Event, num: number, source: string): PluginEvent {
  return {
    event: evt,
    get data() {
      return pluginPayload(evt);
    },
    get pluginId() {
      return pluginIdOf(evt);
    },
    get ts() {
      return evt.ts;
    },
    num,
    source,
  };
}

/** A config text as a TypeScript plugin receives it: parsed JSON, the text itself, or undefined when empty. */
function configValue(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function loadTsPlugin(p: TsPlugin, initConfig: unknown, label = p?.name ?? '<ts plugin>'): Promise<LoadedPlugin> {
  if (typeof p !== 'object' || p === null) throw new PluginError('PLUGIN_INVALID', 'a TypeScript plugin must be an object', label);
  if (typeof p.name !== 'string' || p.name === '') throw new PluginError('PLUGIN_MISSING_SYMBOL', 'a TypeScript plugin needs a name', label);
  const name = p.name;
  const requiredApiVersion = checkApiVersion(name, p.requiredApiVersion ?? PLUGIN_API_VERSION);
  const version = p.version ?? '0.0.0';
  if (!parseSemver(version)) throw new PluginError('PLUGIN_VERSION', `plugin version '${version}' is not semantic (M.m.p)`, name);
  const sourceParts = [p.open !== undefined, p.id !== undefined, p.eventSource !== undefined];
  const sourcing = sourceParts.every(Boolean);
  if (sourceParts.some(Boolean) && !sourcing) throw new PluginError('PLUGIN_BROKEN', 'a source plugin needs id, eventSource and open()', name);
  if (sourcing) {
    if (!Number.isInteger(p.id) || p.id! < 0 || p.id! > 0xffffffff) throw new PluginError('PLUGIN_SOURCE', `invalid id ${p.id}`, name);
    if (typeof p.eventSource !== 'string' || p.eventSource === '') throw new PluginError('PLUGIN_NULL_STRING', 'empty event source name', name);
    if (p.eventSource === 'syscall') throw new PluginError('PLUGIN_SOURCE', "a source plugin cannot produce the reserved 'syscall' source", name);
  }
  const extraction = p.extract !== undefined || p.fields !== undefined;
  if (extraction && (typeof p.extract !== 'function' || p.fields === undefined)) throw new PluginError('PLUGIN_BROKEN', 'an extractor plugin needs fields and extract()', name);
  const parsing = typeof p.parse === 'function';
  if (!sourcing && !extraction && !parsing) throw new PluginError('PLUGIN_NO_CAPABILITY', 'has no capability (open, extract or parse)', name);
  const fields = extraction ? parseFields(name, p.fields!) : [];
  const config = initConfigText(name, initConfig, p.initSchema);
  if (p.init) {
    try {
      await p.init(configValue(config));
    } catch (e) {
      throw new PluginError('PLUGIN_INIT', `init failed: ${(e as Error).message ?? e}`, name, (e as Error).message ?? String(e), { cause: e });
    }
  }
  const info: PluginInfo = {
    name, version, description: p.description ?? '', contact: p.contact ?? '', requiredApiVersion,
    id: sourcing ? p.id! : 0, eventSource: sourcing ? p.eventSource : undefined,
    capabilities: { sourcing, extraction, parsing, async: false, captureListening: false },
    fields, initSchema: p.initSchema === undefined ? undefined : typeof p.initSchema === 'string' ? p.initSchema : JSON.stringify(p.initSchema),
    kind: 'ts', asyncEvents: [],
  };
  return new TsPluginAdapter(p, info);
}

function tsError(name: string, code: string, what: string, e: unknown): PluginError {
  const msg = e instanceof Error ? e.message : String(e);
  return new PluginError(code, `${what}: ${msg}`, name, msg, { cause: e });
}

class TsPluginAdapter implements LoadedPlugin {
  readonly extractSources: readonly string[] | undefined;
  readonly extractTypes: readonly number[] | undefined;
  readonly parseSources: readonly string[] | undefined;
  readonly parseTypes: readonly number[] | undefined;
  readonly asyncSources = undefined;

  constructor(readonly p: TsPlugin, readonly info: PluginInfo) {
    this.extractSources = p.extractEventSources;
    this.extractTypes = p.extractEventTypes;
    this.parseSources = p.parseEventSources;
    this.parseTypes = p.parseEventTypes;
  }

  async open(params: string): Promise<PluginStream> {
    const name = this.info.name;
    let inst: PluginSourceInstance;
    try {
      inst = await this.p.open!(params);
    } catch (e) {
      throw tsError(name, 'PLUGIN_OPEN', 'open failed', e);
    }
    const id = this.info.id;
    let ended = false;
    return {
      next: async () => {
        if (ended) return null;
        let evts: Awaited<ReturnType<PluginSourceInstance['next']>>;
        try {
          evts = await inst.next();
        } catch (e) {
          throw tsError(name, 'PLUGIN_NEXT_BATCH', 'next failed', e);
        }
        if (evts === null) {
          ended = true;
          return null;
        }
        if (!Array.isArray(evts)) throw new PluginError('PLUGIN_NEXT_BATCH', 'next() must return an array of events or null', name);
        const n = evts.length;
        if (n === 0) {
          await new Promise<void>((res) => setImmediate(res));
          return EMPTY_BATCH;
        }
        const datas = new Array<Uint8Array>(n);
        let total = 0;
        for (let i = 0; i < n; i++) {
          const d = evts[i]?.data;
          const bytes = typeof d === 'string' ? encoder.encode(d) : d;
          if (!(bytes instanceof Uint8Array)) throw new PluginError('PLUGIN_NEXT_BATCH', `event ${i} has no data (a Uint8Array or a string)`, name);
          datas[i] = bytes;
          total += PAYLOAD_OFFSET + bytes.length;
        }
        // A fresh buffer per batch: events handed out keep referring to it.
        const buf = new Uint8Array(total);
        const view = new DataView(buf.buffer);
        const offsets = new Uint32Array(n);
        let at = 0;
        let now: bigint | undefined;
        for (let i = 0; i < n; i++) {
          const t = evts[i].ts;
          const ts = t === undefined ? (now ??= nowNs()) : BigInt(t);
          offsets[i] = at;
          at += encodePluginEvent(buf, view, at, ts, id, datas[i]);
        }
        return new EventBatch(buf.subarray(0, at), offsets, n, new Uint16Array(n), new Uint32Array(n));
      },
      progress: () => {
        const p = inst.progress?.();
        return p === undefined ? null : { pct: Math.min(1, Math.max(0, p)) };
      },
      close: async () => {
        await inst.close?.();
      },
    };
  }

  listOpenParams(): OpenParam[] {
    return this.p.listOpenParams?.() ?? [];
  }

  eventToString(evt: Event, num: number, source: string): string | null {
    if (!this.p.eventToString) return null;
    try {
      return this.p.eventToString(pluginEventView(evt, num, source));
    } catch (e) {
      throw tsError(this.info.name, 'PLUGIN_EVENT_TO_STRING', 'eventToString failed', e);
    }
  }

  makeExtractor(requests: readonly FieldRequest[]): (evt: Event, num: number, source: string) => unknown[] {
    const extract = this.p.extract!.bind(this.p);
    const name = this.info.name;
    return (evt, num, source) => {
      const pe = pluginEventView(evt, num, source);
      const out = new Array<unknown>(requests.length);
      try {
        for (let i = 0; i < requests.length; i++) out[i] = extract(pe, requests[i]);
      } catch (e) {
        throw tsError(name, 'PLUGIN_EXTRACT', 'extract failed', e);
      }
      return out;
    };
  }

  parse(evt: Event, num: number, source: string): void {
    try {
      this.p.parse!(pluginEventView(evt, num, source));
    } catch (e) {
      throw tsError(this.info.name, 'PLUGIN_PARSE', 'parse failed', e);
    }
  }

  startAsync(): void {}
  stopAsync(): void {}
  captureOpen(): void {}
  captureClose(): void {}

  setConfig(config: unknown): void {
    const name = this.info.name;
    if (typeof this.p.setConfig !== 'function') throw unsupported(name, 'setConfig');
    const text = initConfigText(name, config, this.info.initSchema, 'new');
    try {
      this.p.setConfig(configValue(text));
    } catch (e) {
      throw tsError(name, 'PLUGIN_SET_CONFIG', 'setConfig failed', e);
    }
  }

  metrics(): PluginMetric[] {
    if (typeof this.p.metrics !== 'function') return [];
    let list: readonly PluginMetric[];
    try {
      list = this.p.metrics();
    } catch (e) {
      throw tsError(this.info.name, 'PLUGIN_METRICS', 'metrics failed', e);
    }
    return list.map((m, i) => checkMetric(this.info.name, m, i));
  }

  /** TypeScript plugins have no async events capability. */
  dumpState(): Uint8Array[] {
    return [];
  }

  async destroy(): Promise<void> {
    await this.p.destroy?.();
  }
}
