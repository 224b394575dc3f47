/** Lookups over the generated event table: names, params, flags, errno and signal names. */
import {
  EVENT_ROWS,
  EF,
  EC,
  ERRNO_NAMES,
  FLAG_TABLES,
  PPM_EVENT_MAX,
  PPM_SC_NAMES,
  SIGNAL_NAMES,
  type ParamRow,
} from './schema.generated.js';

export interface ParamInfo {
  readonly name: string;
  readonly type: number;
  readonly format: number;
  /** Flag or dynamic table name, or the index of the dirfd param for FSRELPATH. */
  readonly info: string | number | undefined;
}

export interface EventInfo {
  readonly code: number;
  readonly name: string;
  readonly direction: '>' | '<';
  readonly category: number;
  readonly flags: number;
  readonly params: readonly ParamInfo[];
  /** Param index by name. */
  readonly paramIndex: ReadonlyMap<string, number>;
  readonly largePayload: boolean;
}

function toParam(row: ParamRow): ParamInfo {
  return { name: row[0], type: row[1], format: row[2], info: row[3] };
}

export const EVENT_INFO: readonly EventInfo[] = EVENT_ROWS.map((row, code) => {
  const params = row[3].map(toParam);
  return {
    code,
    name: row[0],
    direction: (code & 1) === 0 ? '>' : '<',
    category: row[1],
    flags: row[2],
    params,
    paramIndex: new Map(params.map((p, i) => [p.name, i])),
    largePayload: (row[2] & EF.LARGE_PAYLOAD) !== 0,
  };
});

/** Info for a known event code, or undefined for codes from a newer schema. */
export function eventInfo(type: number): EventInfo | undefined {
  return type < PPM_EVENT_MAX ? EVENT_INFO[type] : undefined;
}

export function isLargePayload(type: number): boolean {
  return type < PPM_EVENT_MAX && EVENT_INFO[type].largePayload;
}

/** True for events sysdig lists and shows: not unused, not an old version, not internal. */
export function isListedEvent(info: EventInfo): boolean {
  return (info.flags & (EF.UNUSED | EF.OLD_VERSION)) === 0 && (info.category & EC.INTERNAL) === 0;
}

const errnoByValue = new Map<number, string>();
for (const [name, value] of ERRNO_NAMES) if (!errnoByValue.has(value)) errnoByValue.set(value, name);
const signalByValue = new Map<number, string>(SIGNAL_NAMES.map(([n, v]) => [v, n]));

/** errno name for a positive errno value (`2` -> `ENOENT`). */
export function errnoName(errno: number): string | undefined {
  return errnoByValue.get(errno);
}

export function signalName(sig: number): string | undefined {
  return signalByValue.get(sig);
}

/** Name of a PPM_SC code (`syscallName(3)` -> `read`). */
export function syscallName(sc: number): string | undefined {
  const n = PPM_SC_NAMES[sc];
  return n ? n : undefined;
}

export function flagTable(name: string): readonly (readonly [string, number])[] | undefined {
  return FLAG_TABLES[name];
}
