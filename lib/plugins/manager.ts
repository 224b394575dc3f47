/**
 * `PluginManager`: the plugins of one capture, loaded under Falco's rules
 * (unique names, one source plugin per event source and per id, field names
 * unique across plugins), with their fields in a field registry and their
 * parsers called for every event before extraction; `dumpState()` gives
 * their state dumps for a capture file being written.
 */
import { declareAsyncEventNames, forgetAsyncEventNames } from '../filter/pushdown.js';
import { PluginError } from '../errors.js';
import type { Event } from '../events/event.js';
import { fields as defaultRegistry, type FieldRegistry, type FieldSpec, type FieldType, type JsonValue } from '../fields/index.js';
import { resolveLibrary } from './config.js';
import {
  ASYNC_EVENT_TYPE,
  PLUGIN_EVENT_TYPE,
  checkAsyncEvent,
  loadNativePlugin,
  loadTsPlugin,
  pluginIdOf,
  type LoadedPlugin,
  type PluginStream,
} from './plugin.js';
import { StateTables } from './tables.js';
import type { FieldRequest, PluginConfig, PluginInfo, PluginMetric, PluginsConfig, PluginFieldInfo } from './types.js';

/** Source plugins by id, across managers: what `evt.source` of a plugin event is. */
const SOURCE_BY_ID = new Map<number, { source: string; plugin: LoadedPlugin; manager: PluginManager }>();
/** Plugin fields by registry: field name → owning plugin's name. */
const FIELD_OWNERS = new WeakMap<FieldRegistry, Map<string, { plugin: string; manager: PluginManager }>>();

/** The event source of an event: a source plugin's name for its events, `syscall` otherwise. */
export function eventSource(evt: Event): string {
  const type = evt.view.getUint16(evt.offset + 20, true);
  if (type === PLUGIN_EVENT_TYPE) return SOURCE_BY_ID.get(pluginIdOf(evt))?.source ?? '';
  if (type === ASYNC_EVENT_TYPE) return SOURCE_BY_ID.get(pluginIdOf(evt))?.source ?? 'syscall';
  return 'syscall';
}

/** The plugin that produced a plugin event, if it is loaded. */
export function eventPlugin(evt: Event): LoadedPlugin | undefined {
  const type = evt.view.getUint16(evt.offset + 20, true);
  if (type !== PLUGIN_EVENT_TYPE && type !== ASYNC_EVENT_TYPE) return undefined;
  return SOURCE_BY_ID.get(pluginIdOf(evt))?.plugin;
}

const FIELD_TYPE: Record<PluginFieldInfo['type'], FieldType> = {
  string: 'string', uint64: 'uint64', bool: 'bool', reltime: 'reltime', abstime: 'abstime', ipaddr: 'ipaddr', ipnet: 'ipnet',
};

/** Does `plugin` see events of `source` / `type` (for extraction or parsing)? */
function applies(plugin: LoadedPlugin, sources: readonly string[] | undefined, types: readonly number[] | undefined, source: string, type: number): boolean {
  if (sources !== undefined) {
    if (!sources.includes(source)) return false;
  } else if (plugin.info.capabilities.sourcing && source !== plugin.info.eventSource) return false;
  if (types !== undefined) return types.includes(type);
  return source === 'syscall' || type === PLUGIN_EVENT_TYPE;
}

/** All fields of one plugin asked for by filters and formats, extracted together per event. */
class FieldBatcher {
  readonly requests: FieldRequest[] = [];
  readonly #keys = new Map<string, number>();
  #fn: ((evt: Event, num: number, source: string) => unknown[]) | undefined;
  #lastEvt: Event | undefined;
  #lastVals: unknown[] = [];
  #num = 0;

  constructor(readonly plugin: LoadedPlugin) {}

  index(f: PluginFieldInfo, fieldId: number, arg: string | undefined): number {
    const key = arg === undefined ? f.name : `${f.name}\0${arg}`;
    let k = this.#keys.get(key);
    if (k === undefined) {
      let index: number | undefined;
      if (arg !== undefined && f.arg?.isIndex) {
        if (!/^\d+$/.test(arg)) return -1;
        index = Number(arg);
      }
      k = this.requests.length;
      this.requests.push({ name: f.name, fieldId, arg, index });
      this.#keys.set(key, k);
      this.#fn = undefined;
    }
    return k;
  }

  get(evt: Event, k: number, source: string): unknown {
    if (evt !== this.#lastEvt || k >= this.#lastVals.length) {
      if (evt !== this.#lastEvt) this.#num++;
      this.#fn ??= this.plugin.makeExtractor(this.requests);
      this.#lastVals = this.#fn(evt, this.#num, source);
      this.#lastEvt = evt;
    }
    const v = this.#lastVals[k];
    return v === null ? undefined : v;
  }
}

export interface PluginManagerOptions {
  /** The registry plugin fields join (default: scap-ts's `fields`). */
  registry?: FieldRegistry;
  /** Directories searched for plugins given by name or relative path (default: $SCAP_TS_PLUGIN_DIR, then Falco's). */
  pluginDirs?: readonly string[];
}

export class PluginManager {
  readonly registry: FieldRegistry;
  /** The state tables the native plugins share (libsinsp's `threads`, and the tables plugins register). */
  readonly tables = new StateTables();
  readonly #plugins: LoadedPlugin[] = [];
  readonly #configs = new Map<string, PluginConfig>();
  readonly #parsers: LoadedPlugin[] = [];
  readonly #asyncPlugins: LoadedPlugin[] = [];
  readonly #fieldNames: string[] = [];
  /** Built-in fields the plugins replaced (container.*, k8s.*), put back on close. */
  readonly #replaced: FieldSpec[] = [];
  readonly #pluginDirs: readonly string[] | undefined;
  #num = 0;
  #closed = false;

  constructor(options: PluginManagerOptions = {}) {
    this.registry = options.registry ?? defaultRegistry;
    this.#pluginDirs = options.pluginDirs;
    installEventFields(this.registry);
  }

  /** Loads the plugins of a Falco-style config (`plugins` + `load_plugins`), in order. */
  static async load(config: PluginsConfig | readonly PluginConfig[], options: PluginManagerOptions = {}): Promise<PluginManager> {
    const m = new PluginManager(options);
    try {
      for (const c of selectPlugins(config)) await m.add(c);
    } catch (e) {
      await m.close();
      throw e;
    }
    return m;
  }

  /** Every loaded plugin, in load order. */
  get plugins(): readonly LoadedPlugin[] {
    return this.#plugins;
  }

  info(): PluginInfo[] {
    return this.#plugins.map((p) => p.info);
  }

  get(name: string): LoadedPlugin | undefined {
    return this.#plugins.find((p) => p.info.name === name);
  }

  config(name: string): PluginConfig | undefined {
    return this.#configs.get(name);
  }

  /** Hands plugin `name` a new config (its `setConfig`); PLUGIN_NOT_FOUND when no such plugin is loaded. */
  setConfig(name: string, config: unknown): void {
    const p = this.get(name);
    if (p === undefined) throw new PluginError('PLUGIN_NOT_FOUND', 'no plugin of this name is loaded', name);
    p.setConfig(config);
  }

  /** The metrics of every loaded plugin, named `<plugin>.<metric>` as libsinsp names them. */
  metrics(): PluginMetric[] {
    return this.#plugins.flatMap((p) => p.metrics().map((m) => ({ ...m, name: `${p.info.name}.${m.name}` })));
  }

  /**
   * libsinsp's state dump when a capture file is opened for writing: every
   * plugin with the async events capability, in load order, is asked for
   * its plugin_dump_state events (one without it gives none), which are
   * checked and stamped as its live async events are. A failure, or an
   * event it may not emit, is a PluginError PLUGIN_DUMP_STATE: the dump is
   * not written (libsinsp's dumper open throws likewise).
   */
  dumpState(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const p of this.#asyncPlugins) {
      for (const b of p.dumpState()) {
        const bad = checkAsyncEvent(p, b);
        if (bad !== undefined) throw new PluginError('PLUGIN_DUMP_STATE', `plugin_dump_state emitted ${bad}`, p.info.name);
        out.push(b);
      }
    }
    return out;
  }

  get hasParsers(): boolean {
    return this.#parsers.length > 0;
  }

  get asyncPlugins(): readonly LoadedPlugin[] {
    return this.#asyncPlugins;
  }

  /** Loads one plugin (a library or a TypeScript plugin) and checks it against those already loaded. */
  async add(c: PluginConfig): Promise<LoadedPlugin> {
    if (this.#closed) throw new PluginError('PLUGIN_CLOSED', 'the plugin manager is closed', c.name);
    let p: LoadedPlugin;
    if (c.plugin !== undefined) p = await loadTsPlugin(c.plugin, c.init_config, c.name);
    else {
      const path = resolveLibrary(c.library_path ?? c.name, this.#pluginDirs);
      p = loadNativePlugin(path, c.init_config, this.tables.native, c.name ?? path);
    }
    try {
      this.#check(p);
    } catch (e) {
      await p.destroy();
      throw e;
    }
    this.#register(p);
    this.#configs.set(p.info.name, c);
    return p;
  }

  #check(p: LoadedPlugin): void {
    const { name, id, eventSource: src } = p.info;
    if (this.get(name)) throw new PluginError('PLUGIN_DUPLICATE', `found another plugin with name '${name}'`, name);
    if (p.info.capabilities.sourcing) {
      for (const other of this.#plugins) {
        if (other.info.eventSource === src) {
          throw new PluginError('PLUGIN_SOURCE_CLASH', `produces event source '${src}', already produced by plugin '${other.info.name}' (one source plugin per event source)`, name);
        }
      }
      const known = SOURCE_BY_ID.get(id);
      if (id !== 0 && known) {
        throw new PluginError('PLUGIN_ID_CLASH', `has id ${id}, already used by plugin '${known.plugin.info.name}' (source '${known.source}')`, name);
      }
    }
    const owners = FIELD_OWNERS.get(this.registry);
    for (const f of p.info.fields) {
      const owner = owners?.get(f.name);
      if (owner) throw new PluginError('PLUGIN_FIELD_CLASH', `field '${f.name}' of plugin '${name}' is already defined by plugin '${owner.plugin}'`, name);
      if (this.registry.specs.has(f.name) && !pluginMayReplace(f.name)) {
        throw new PluginError('PLUGIN_FIELD_CLASH', `field '${f.name}' of plugin '${name}' clashes with a built-in field`, name);
      }
    }
  }

  #register(p: LoadedPlugin): void {
    this.#plugins.push(p);
    const { id, eventSource: src } = p.info;
    if (p.info.capabilities.sourcing && id !== 0) SOURCE_BY_ID.set(id, { source: src!, plugin: p, manager: this });
    if (p.info.capabilities.parsing) this.#parsers.push(p);
    if (p.info.capabilities.async) {
      this.#asyncPlugins.push(p);
      declareAsyncEventNames(p.info.asyncEvents);
    }
    if (p.info.capabilities.extraction) {
      let owners = FIELD_OWNERS.get(this.registry);
      if (!owners) FIELD_OWNERS.set(this.registry, (owners = new Map()));
      const batcher = new FieldBatcher(p);
      p.info.fields.forEach((f, fieldId) => {
        owners!.set(f.name, { plugin: p.info.name, manager: this });
        const builtin = this.registry.specs.get(f.name);
        if (builtin) this.#replaced.push(builtin);
        this.#fieldNames.push(f.name);
        this.registry.add(this.#fieldSpec(p, f, fieldId, batcher));
      });
    }
  }

  #fieldSpec(p: LoadedPlugin, f: PluginFieldInfo, fieldId: number, batcher: FieldBatcher): FieldSpec {
    const srcs = p.extractSources;
    const types = p.extractTypes;
    return {
      name: f.name,
      type: FIELD_TYPE[f.type],
      desc: f.desc,
      arg: f.arg ? (f.arg.isRequired ? 'required' : 'optional') : 'none',
      isList: f.isList,
      // libsinsp prints a list field as (a,b).
      toText: f.isList ? (v) => `(${(v as unknown[]).join(',')})` : undefined,
      toJson: f.isList ? (v) => (Array.isArray(v) ? (v as JsonValue[]) : null) : undefined,
      extract: (evt, _ctx, arg) => {
        const type = evt.view.getUint16(evt.offset + 20, true);
        const source = eventSource(evt);
        if (!applies(p, srcs, types, source, type)) return undefined;
        const k = batcher.index(f, fieldId, arg);
        if (k < 0) return undefined;
        const v = batcher.get(evt, k, source);
        return Array.isArray(v) && v.length === 0 ? undefined : v;
      },
    };
  }

  /** Opens the source plugin `name` with `params` (default: its config's open_params). */
  async openSource(name: string, params?: string): Promise<PluginStream> {
    const p = this.get(name) ?? this.#plugins.find((x) => x.info.eventSource === name);
    if (!p) throw new PluginError('PLUGIN_NOT_LOADED', `no plugin named '${name}' is loaded`, name);
    if (!p.info.capabilities.sourcing) throw new PluginError('PLUGIN_NOT_SOURCE', 'has no event sourcing capability', p.info.name);
    return p.open(params ?? this.#configs.get(p.info.name)?.open_params ?? '');
  }

  /** Calls every parsing plugin that wants this event, once, in load order. */
  parse(evt: Event): void {
    const n = ++this.#num;
    if (this.#parsers.length === 0) return;
    const type = evt.view.getUint16(evt.offset + 20, true);
    const source = eventSource(evt);
    for (const p of this.#parsers) {
      if (applies(p, p.parseSources, p.parseTypes, source, type)) p.parse(evt, n, source);
    }
  }

  /** Stops async events, destroys every plugin and takes their fields out of the registry. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const owners = FIELD_OWNERS.get(this.registry);
    for (const name of this.#fieldNames) {
      this.registry.specs.delete(name);
      owners?.delete(name);
    }
    for (const spec of this.#replaced) this.registry.specs.set(spec.name, spec);
    for (const p of this.#asyncPlugins) forgetAsyncEventNames(p.info.asyncEvents);
    // Re-adding an existing spec refreshes the registry's caches.
    const any = this.registry.specs.values().next();
    if (!any.done) this.registry.add(any.value);
    for (const [id, e] of SOURCE_BY_ID) if (e.manager === this) SOURCE_BY_ID.delete(id);
    for (const p of [...this.#plugins].reverse()) await p.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The entries of a config to load, in order: `load_plugins` when given, else all. */
export function selectPlugins(config: PluginsConfig | readonly PluginConfig[]): PluginConfig[] {
  if (Array.isArray(config)) return [...(config as readonly PluginConfig[])];
  const c = config as PluginsConfig;
  const all = c.plugins ?? [];
  if (c.load_plugins === undefined) return [...all];
  return c.load_plugins.map((n) => {
    const entry = all.find((p) => p.name === n);
    if (!entry) throw new PluginError('PLUGIN_CONFIG', `load_plugins names '${n}', which is not in plugins`, n);
    return entry;
  });
}

/**
 * Built-in fields a plugin may replace: the container and Kubernetes metadata
 * that Falco's own container and k8smeta plugins provide (libsinsp no longer
 * has them built in). Loading such a plugin is how a user asks for its values.
 */
function pluginMayReplace(field: string): boolean {
  return field.startsWith('container.') || field.startsWith('k8s.');
}

/** evt.source, evt.pluginname, evt.plugininfo, evt.is_async, evt.asynctype (added when the registry lacks them). */
function installEventFields(registry: FieldRegistry): void {
  const specs: FieldSpec[] = [
    { name: 'evt.source', type: 'string', desc: "the event's source: 'syscall' or a source plugin's", extract: (evt) => eventSource(evt) },
    { name: 'evt.pluginname', type: 'string', desc: 'the source plugin that produced the event', extract: (evt) => eventPlugin(evt)?.info.name },
    {
      name: 'evt.plugininfo', type: 'string', desc: "the source plugin's text for the event (plugin_event_to_string)",
      extract: (evt) => {
        const p = eventPlugin(evt);
        if (!p || evt.view.getUint16(evt.offset + 20, true) !== PLUGIN_EVENT_TYPE) return undefined;
        return p.eventToString(evt, 0, p.info.eventSource ?? '') ?? undefined;
      },
    },
    { name: 'evt.is_async', type: 'bool', desc: 'the event is an async event (402)', extract: (evt) => evt.view.getUint16(evt.offset + 20, true) === ASYNC_EVENT_TYPE },
    {
      name: 'evt.asynctype', type: 'string', desc: "an async event's name",
      extract: (evt) => {
        if (evt.view.getUint16(evt.offset + 20, true) !== ASYNC_EVENT_TYPE) return undefined;
        const l1 = evt.view.getUint32(evt.offset + 30, true);
        const start = evt.offset + 42;
        let end = start + l1;
        while (end > start && evt.bytes[end - 1] === 0) end--;
        return Buffer.from(evt.bytes.subarray(start, end)).toString('utf8');
      },
    },
  ];
  // evt.source knows plugin sources, so it replaces the registry's syscall-only one.
  for (const s of specs) if (s.name === 'evt.source' || !registry.specs.has(s.name)) registry.add(s);
}
