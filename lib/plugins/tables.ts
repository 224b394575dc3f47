/**
 * State tables of the plugin API (list_tables / get_table / add_table and
 * the table vtables) for native plugins. scap-ts offers libsinsp's `threads`
 * table (int64 tid keys) over the Inspector's thread table: its built-in
 * fields, read-only, are read from each ThreadInfo (under libsinsp's names
 * and types); the fields plugins add (as Falco's container plugin adds
 * `container_id`) are stored on the ThreadInfo, so they go with the thread.
 * `args`, `env` and `cgroups` are subtables, as libsinsp's (keyed by
 * position; `value`, or `first` and `second`). Tables plugins register are
 * listed with the others, and other plugins reach them through the owner's
 * vtables. The native side is binding/src/plugin_tables.cc.
 */
import { loadNative } from '../native/index.js';
import { ThreadTable, type ThreadInfo } from '../state/threads.js';

/** ss_plugin_state_type: the types of table keys and entry fields. */
export type StateType = 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'string' | 'table' | 'bool';

export const STATE_TYPE_CODE: Record<StateType, number> = {
  int8: 1, int16: 2, int32: 3, int64: 4, uint8: 5, uint16: 6, uint32: 7, uint64: 8, string: 9, table: 10, bool: 25,
};
const STATE_TYPE_NAME = new Map(Object.entries(STATE_TYPE_CODE).map(([k, v]) => [v, k as StateType]));

/** Where ThreadInfo keeps the values of the fields plugins add (by field index). */
const DYN_PROP = 'pluginFields' satisfies keyof ThreadInfo;

/**
 * The built-in fields of `threads`: libsinsp's name and type, and the
 * ThreadInfo property. libsinsp's reaper_tid and pgid are not kept by
 * scap-ts; its file_descriptors subtable is not offered.
 */
const THREAD_FIELDS: ReadonlyArray<readonly [string, StateType, keyof ThreadInfo]> = [
  ['tid', 'int64', 'tid'],
  ['pid', 'int64', 'pid'],
  ['ptid', 'int64', 'ptid'],
  ['sid', 'int64', 'sid'],
  ['comm', 'string', 'comm'],
  ['exe', 'string', 'exe'],
  ['exe_path', 'string', 'exepath'],
  ['exe_writable', 'bool', 'exeWritable'],
  ['exe_upper_layer', 'bool', 'exeUpperLayer'],
  ['exe_lower_layer', 'bool', 'exeLowerLayer'],
  ['exe_from_memfd', 'bool', 'exeFromMemfd'],
  ['flags', 'uint32', 'flags'],
  ['fd_limit', 'int64', 'fdlimit'],
  ['uid', 'uint32', 'uid'],
  ['gid', 'uint32', 'gid'],
  ['loginuid', 'uint32', 'loginuid'],
  ['exe_ino', 'uint64', 'exeIno'],
  ['exe_ino_ctime', 'uint64', 'exeInoCtime'],
  ['exe_ino_mtime', 'uint64', 'exeInoMtime'],
  ['vtid', 'int64', 'vtid'],
  ['vpid', 'int64', 'vpid'],
  ['vpgid', 'int64', 'vpgid'],
  ['pidns_init_start_ts', 'uint64', 'pidnsInitStartTs'],
  ['root', 'string', 'root'],
  ['tty', 'uint32', 'tty'],
  ['cwd', 'string', 'cwd'],
];

/** The subtables of `threads`: libsinsp's name, key and fields, and the rows of a thread. */
const THREAD_SUBTABLES: ReadonlyArray<{ name: string; keyType: StateType; fields: readonly string[]; rows: (t: ThreadInfo) => object[] }> = [
  { name: 'args', keyType: 'int64', fields: ['value'], rows: (t) => t.args.map((value) => ({ value })) },
  { name: 'env', keyType: 'int64', fields: ['value'], rows: (t) => t.env.map((value) => ({ value })) },
  { name: 'cgroups', keyType: 'uint64', fields: ['first', 'second'], rows: (t) => t.cgroups.map(([first, second]) => ({ first, second })) },
];
const SUBTABLE_ROWS = new Map(THREAD_SUBTABLES.map((s) => [s.name, s.rows]));

/** A table plugins can reach. */
export interface StateTableInfo {
  name: string;
  keyType: StateType;
  /** 'scap-ts' for `threads`, else the plugin that registered it. */
  owner: string;
}

export interface StateFieldInfo {
  name: string;
  type: StateType;
  readOnly: boolean;
}

/** The addon's PluginTables (binding/src/plugin_tables.h). */
export interface NativeTables {
  list(): { name: string; keyType: number; owner: string }[];
  fields(table: string): { name: string; type: number; readOnly: boolean }[] | null;
}

type NativeTablesCtor = new (bridge: object) => NativeTables;

const typeName = (code: number): StateType => STATE_TYPE_NAME.get(code) ?? 'table';

/** The tables of one PluginManager's native plugins. */
export class StateTables {
  #threads: (() => ThreadTable | undefined) | undefined;
  #native: NativeTables | undefined;
  /** What the addon calls back; held here, as the addon holds it weakly. */
  #bridge: object | undefined;

  /** The thread table plugins see from now on (a capture's Inspector's; undefined: an empty table). */
  useThreads(threads: (() => ThreadTable | undefined) | undefined): void {
    this.#threads = threads;
  }

  /** The addon's registry, made when the first native plugin loads. */
  get native(): NativeTables {
    if (this.#native) return this.#native;
    const Ctor = (loadNative() as unknown as { PluginTables: NativeTablesCtor }).PluginTables;
    const table = (): ThreadTable | undefined => this.#threads?.();
    this.#bridge = {
      fields: THREAD_FIELDS.map(([name, type, prop]) => ({ name, type: STATE_TYPE_CODE[type], prop })),
      subtables: THREAD_SUBTABLES.map((s) => ({
        name: s.name,
        keyType: STATE_TYPE_CODE[s.keyType],
        fields: s.fields.map((name) => ({ name, type: STATE_TYPE_CODE.string, prop: name })),
      })),
      dynProp: DYN_PROP,
      // A plain lookup: a plugin reading a thread does not count as a use of it (eviction).
      get: (tid: number) => table()?.map.get(tid),
      size: () => table()?.size ?? 0,
      values: () => {
        const t = table();
        return t ? Array.from(t.map.values()) : [];
      },
      // A thread outside any table (the SDKs create one at init to reach the subtables' fields).
      create: () => new ThreadTable({ maxThreads: 1 }).newThread(),
      rows: (subtable: string, t: ThreadInfo) => SUBTABLE_ROWS.get(subtable)!(t),
    };
    this.#native = new Ctor(this.#bridge);
    return this.#native;
  }

  /** The tables plugins can reach now. */
  list(): StateTableInfo[] {
    return this.native.list().map((t) => ({ name: t.name, keyType: typeName(t.keyType), owner: t.owner }));
  }

  /** The fields of a table (for `threads`: the built-in ones, then those plugins added); undefined for an unknown table. */
  fields(table: string): StateFieldInfo[] | undefined {
    const list = this.native.fields(table);
    return list?.map((f) => ({ name: f.name, type: typeName(f.type), readOnly: f.readOnly }));
  }
}
