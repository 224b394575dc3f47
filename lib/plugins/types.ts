/**
 * Plugins: Falco's plugin API (3.x) as scap-ts sees it, for native plugins
 * (`.so` files loaded through the addon) and TypeScript plugins alike.
 * Plugins run in-process and are trusted, as in Falco.
 */
import type { Event } from '../events/event.js';

/** Plugin API version this host implements (libs' plugin_api.h). */
export const PLUGIN_API_VERSION = '3.12.0';

/** Field types of the plugin API (get_fields' `type`). */
export type PluginFieldType = 'string' | 'uint64' | 'bool' | 'reltime' | 'abstime' | 'ipaddr' | 'ipnet';

/** One entry of get_fields' JSON list. */
export interface PluginFieldInfo {
  readonly name: string;
  readonly type: PluginFieldType;
  readonly desc: string;
  readonly display?: string;
  readonly isList?: boolean;
  readonly arg?: { readonly isRequired?: boolean; readonly isIndex?: boolean; readonly isKey?: boolean };
  readonly addOutput?: boolean;
  readonly properties?: readonly string[];
}

/** One entry of plugin_list_open_params. */
export interface OpenParam {
  readonly value: string;
  readonly desc?: string;
  readonly separator?: string;
}

/** What a loaded plugin reports about itself. */
export interface PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly contact: string;
  readonly requiredApiVersion: string;
  /** Event source id (0 when the plugin has no sourcing capability). */
  readonly id: number;
  /** Event source name (undefined without sourcing capability; `syscall` for a source plugin without id). */
  readonly eventSource: string | undefined;
  readonly capabilities: { readonly sourcing: boolean; readonly extraction: boolean; readonly parsing: boolean; readonly async: boolean; readonly captureListening: boolean };
  readonly fields: readonly PluginFieldInfo[];
  /** The JSON schema of the init config, when the plugin gives one. */
  readonly initSchema: string | undefined;
  /** `native` for a shared library, `ts` for a TypeScript plugin. */
  readonly kind: 'native' | 'ts';
  /** The shared library's path (native plugins). */
  readonly libraryPath?: string;
  readonly asyncEvents: readonly string[];
}

/**
 * One metric of a plugin (plugin_get_metrics' ss_plugin_metric), copied out:
 * 64-bit integer values (u64, s64) as bigint, the others as number.
 */
export interface PluginMetric {
  readonly name: string;
  /** A counter that only grows, or a value that goes up and down. */
  readonly type: 'monotonic' | 'non_monotonic';
  readonly value: number | bigint;
}

/** A plugin event as a TypeScript plugin sees it. */
export interface PluginEvent {
  /** The whole scap event (type 322 for plugin events, 402 for async ones). */
  readonly event: Event;
  /** The opaque payload (`event_data` of a plugin event, `data` of an async one). */
  readonly data: Uint8Array;
  /** The source's id carried by the event (plugin_id). */
  readonly pluginId: number;
  readonly ts: bigint;
  /** Event number, unique per event within a capture. */
  readonly num: number;
  /** Event source name (`syscall` for driver events). */
  readonly source: string;
}

/** An event a TypeScript source plugin produces. */
export interface PluginEventData {
  /** Nanoseconds since the epoch; omitted: stamped with the time now. */
  readonly ts?: bigint | number;
  readonly data: Uint8Array | string;
}

/** An open stream of a TypeScript source plugin. */
export interface PluginSourceInstance {
  /**
   * The next events: an empty array means none for now (the API's TIMEOUT),
   * null the end of the stream (EOF). Throw for a failure.
   */
  next(): PluginEventData[] | null | Promise<PluginEventData[] | null>;
  /** Progress as a fraction 0..1 (the API's get_progress, as pct/10000). */
  progress?(): number;
  close?(): void | Promise<void>;
}

/** A field as requested of an extractor: name and argument. */
export interface FieldRequest {
  readonly name: string;
  readonly fieldId: number;
  /** The argument as written (`json.value[/user]` → `/user`). */
  readonly arg?: string;
  /** The argument as a number, for fields whose argument is an index. */
  readonly index?: number;
}

/** What every TypeScript plugin gives: identity and lifecycle. */
export interface PluginBase {
  readonly name: string;
  readonly version?: string;
  readonly description?: string;
  readonly contact?: string;
  /** Defaults to this host's API version. */
  readonly requiredApiVersion?: string;
  /** A JSON Schema (object or text) the init config is validated against. */
  readonly initSchema?: object | string;
  init?(config: unknown): void | Promise<void>;
  /** A new config while loaded (plugin_set_config), validated as init's; throw to reject it. */
  setConfig?(config: unknown): void;
  /** The plugin's metrics now (plugin_get_metrics). */
  metrics?(): readonly PluginMetric[];
  destroy?(): void | Promise<void>;
}

/** Event sourcing: the same role as a native plugin's open/next_batch/close. */
export interface SourcePlugin extends PluginBase {
  /** Event source id: the registry's id, or any non-zero number for private use. */
  readonly id: number;
  readonly eventSource: string;
  open(params: string): PluginSourceInstance | Promise<PluginSourceInstance>;
  listOpenParams?(): OpenParam[];
  /** Text for `evt.plugininfo`. */
  eventToString?(evt: PluginEvent): string;
}

/** Field extraction: fields join the registry, usable in filters and formats. */
export interface ExtractorPlugin extends PluginBase {
  readonly fields: readonly PluginFieldInfo[];
  /** Sources whose events this plugin extracts from (default: its own source, or every source). */
  readonly extractEventSources?: readonly string[];
  /** Event types it extracts from (default: plugin events, or every type for `syscall`). */
  readonly extractEventTypes?: readonly number[];
  /** The value of one field; undefined/null when it has none; an array for list fields. */
  extract(evt: PluginEvent, field: FieldRequest): unknown;
}

/** Event parsing: called once for every event of its sources, in order, before extraction. */
export interface ParserPlugin extends PluginBase {
  readonly parseEventSources?: readonly string[];
  readonly parseEventTypes?: readonly number[];
  parse(evt: PluginEvent): void;
}

/** A TypeScript plugin: any combination of the capabilities. */
export type TsPlugin = PluginBase & Partial<Omit<SourcePlugin, keyof PluginBase>> & Partial<Omit<ExtractorPlugin, keyof PluginBase>> & Partial<Omit<ParserPlugin, keyof PluginBase>>;

/** One entry of Falco's `plugins:` list, or a TypeScript plugin object. */
export interface PluginConfig {
  readonly name: string;
  /** Path of the shared library; a relative one is looked for in the plugin directories. */
  readonly library_path?: string;
  /** An object (passed as JSON) or a string, as in falco.yaml. */
  readonly init_config?: unknown;
  readonly open_params?: string;
  /** A TypeScript plugin instead of a library. */
  readonly plugin?: TsPlugin;
}

/** Falco's plugin configuration: `plugins` and `load_plugins`. */
export interface PluginsConfig {
  readonly plugins?: readonly PluginConfig[];
  /** Names of the entries of `plugins` to load; absent: all of them. */
  readonly load_plugins?: readonly string[];
}
