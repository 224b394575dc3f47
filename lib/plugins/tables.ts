/**
 * State tables of the plugin API (list_tables / get_table / add_table and
 * the table vtables) for native plugins. scap-ts offers libsinsp's `threads`
 * table (int64 tid keys) over the Inspector's thread table: its built-in
 * fields, read-only, are read from each ThreadInfo (under libsinsp's names
 * and types); the fields plugins add (as Falco's container plugin adds
 * `container_id`) are stored on the ThreadInfo, so they go with the thread.
 * `args`, `env` and `cgroups` are subtables, as libsinsp's (keyed by
 * position; `value`, or `first` and `second`, strings). `file_descriptors`
 * is the thread's fd table (int64 fd keys; the fds of its main thread under
 * CLONE_FILES), each entry with the fields of libsinsp's sinsp_fdinfo that
 * scap-ts keeps, typed as libsinsp's (FD_FIELDS). Subtables are read-only:
 * their entries come from the events, and plugins cannot add fields to them
 * (libsinsp lets them add fields to file_descriptors). Tables plugins
 * register are listed with the others, and other plugins reach them through
 * the owner's vtables. The native side is binding/src/plugin_tables.cc.
 */
import { loadNative } from '../native/index.js';
import { CANCELED_FD, type FdInfo } from '../state/fds.js';
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
 * scap-ts.
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

/** A field of a subtable's entries: libsinsp's name and type, and the row's property holding it. */
interface SubField {
  name: string;
  type: StateType;
  prop: string;
}

/**
 * The socket fields of libsinsp's sinsp_fdinfo: [name, type, offset in the
 * sockinfo union]. They overlay one union, as libsinsp's do: each reads its
 * bytes whatever the fd's type, an IPv6 address as two uint64 (bytes 0-7 and
 * 8-15).
 */
const SOCK_FIELDS: ReadonlyArray<readonly [string, StateType, number]> = [
  // IPv4 tuple (libsinsp spells the destination address `dest_dip`)
  ['socket_ipv4_src_ip', 'uint32', 0], ['socket_ipv4_dest_dip', 'uint32', 4], ['socket_ipv4_src_port', 'uint16', 8],
  ['socket_ipv4_dst_port', 'uint16', 10], ['socket_ipv4_l4_proto', 'uint8', 12],
  // IPv6 tuple
  ['socket_ipv6_src_ip_low', 'uint64', 0], ['socket_ipv6_src_ip_high', 'uint64', 8],
  ['socket_ipv6_dest_ip_low', 'uint64', 16], ['socket_ipv6_dest_ip_high', 'uint64', 24],
  ['socket_ipv6_src_port', 'uint16', 32], ['socket_ipv6_dst_port', 'uint16', 34], ['socket_ipv6_l4_proto', 'uint8', 36],
  // IPv4 server
  ['socket_ipv4_server_ip', 'uint32', 0], ['socket_ipv4_server_port', 'uint16', 4], ['socket_ipv4_server_l4_proto', 'uint8', 6],
  // IPv6 server
  ['socket_ipv6_server_ip_low', 'uint64', 0], ['socket_ipv6_server_ip_high', 'uint64', 8],
  ['socket_ipv6_server_port', 'uint16', 16], ['socket_ipv6_server_l4_proto', 'uint8', 18],
  // unix: the kernel's pointers of both ends
  ['socket_unix_src', 'uint64', 0], ['socket_unix_dest', 'uint64', 8],
];

const ZERO_SOCK = new DataView(new ArrayBuffer(40));

/** A socket field of an fd (zero for fds without sockinfo): its type's width at its offset, little-endian, as libsinsp reads the union on x86. */
function sockValue(f: FdInfo, type: StateType, off: number): number | bigint {
  const v = f.sock?.v ?? ZERO_SOCK;
  if (type === 'uint8') return v.getUint8(off);
  if (type === 'uint16') return v.getUint16(off, true);
  if (type === 'uint32') return v.getUint32(off, true);
  return v.getBigUint64(off, true);
}

/**
 * The static fields of libsinsp's sinsp_fdinfo (fdinfo.cpp,
 * get_static_fields) that scap-ts keeps, under its names and types: the
 * fd's own, then SOCK_FIELDS. Not offered: `old_name` (the name at the start
 * of an event's parsing: not kept) and `pid` (the pid of a pidfd: not kept).
 * libsinsp has no bool field here (is_socket_connected and the other roles
 * are bits of `flags`).
 */
const FD_FIELDS: ReadonlyArray<readonly [string, StateType, (f: FdInfo, fd: number) => unknown]> = [
  ['type', 'uint8', (f) => f.type],
  ['open_flags', 'uint32', (f) => f.openFlags],
  ['name', 'string', (f) => f.name],
  ['name_raw', 'string', (f) => f.nameRaw],
  ['flags', 'uint32', (f) => f.flags],
  ['dev', 'uint32', (f) => f.dev],
  ['mount_id', 'uint32', (f) => f.mountId],
  ['ino', 'uint64', (f) => f.ino],
  ['fd', 'int64', (_f, fd) => fd],
  ...SOCK_FIELDS.map(([name, type, off]) => [name, type, (f: FdInfo) => sockValue(f, type, off)] as const),
];

/** An fd of a thread as an entry of `file_descriptors`: FD_FIELDS as getters, read when a plugin reads one. */
class FdRow {
  constructor(
    readonly info: FdInfo,
    readonly num: number,
  ) {}
}
for (const [name, , get] of FD_FIELDS) {
  Object.defineProperty(FdRow.prototype, name, {
    get(this: FdRow) {
      return get(this.info, this.num);
    },
  });
}

/**
 * The fds of a thread (its own table, or its main thread's under
 * CLONE_FILES), in fd order. The entry libsinsp keeps aside for an fd whose
 * close a reuse canceled (CANCELED_FD_NUMBER) is not listed.
 */
function fdRows(t: ThreadInfo): FdRow[] {
  const map = t.fdTable()?.map;
  if (!map) return [];
  const rows: FdRow[] = [];
  for (const [fd, info] of map) if (fd !== CANCELED_FD) rows.push(new FdRow(info, fd));
  return rows.sort((a, b) => a.num - b.num);
}

const stringFields = (...names: string[]): SubField[] => names.map((name) => ({ name, type: 'string', prop: name }));

/**
 * The subtables of `threads`: libsinsp's name, key and fields, and the rows
 * of a thread. Without `keyProp` a subtable is keyed by position; with it,
 * by that field of its rows (`entry` finds one).
 */
const THREAD_SUBTABLES: ReadonlyArray<{
  name: string;
  keyType: StateType;
  keyProp?: string;
  fields: readonly SubField[];
  rows: (t: ThreadInfo) => object[];
  entry?: (t: ThreadInfo, key: number) => object | undefined;
}> = [
  { name: 'args', keyType: 'int64', fields: stringFields('value'), rows: (t) => t.args.map((value) => ({ value })) },
  { name: 'env', keyType: 'int64', fields: stringFields('value'), rows: (t) => t.env.map((value) => ({ value })) },
  {
    name: 'cgroups',
    keyType: 'uint64',
    fields: stringFields('first', 'second'),
    rows: (t) => t.cgroups.map(([first, second]) => ({ first, second })),
  },
  {
    name: 'file_descriptors',
    keyType: 'int64',
    keyProp: 'fd',
    fields: FD_FIELDS.map(([name, type]) => ({ name, type, prop: name })),
    rows: fdRows,
    entry: (t, fd) => {
      const info = fd === CANCELED_FD ? undefined : t.fdTable()?.find(fd);
      return info && new FdRow(info, fd);
    },
  },
];
const SUBTABLES = new Map(THREAD_SUBTABLES.map((s) => [s.name, s]));

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
        keyProp: s.keyProp ?? '',
        fields: s.fields.map((f) => ({ name: f.name, type: STATE_TYPE_CODE[f.type], prop: f.prop })),
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
      rows: (subtable: string, t: ThreadInfo) => SUBTABLES.get(subtable)!.rows(t),
      // A keyed subtable's entry (undefined: no such key).
      entry: (subtable: string, t: ThreadInfo, key: number) => SUBTABLES.get(subtable)!.entry!(t, key),
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
