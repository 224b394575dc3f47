/**
 * The per-event-type count table that `sysdig -S` prints, identical to the
 * byte: same rows, same order (ties included), same padding.
 */
import type { EventBatch } from '../events/batch.js';
import type { Event } from '../events/event.js';
import { PPME, PPM_EVENT_MAX, PPM_SC_MAX, PPM_SC_NAMES } from '../events/schema.generated.js';
import { EVENT_INFO } from '../events/table.js';
import { stdSort } from './stdsort.js';

/**
 * sysdig sorts one vector of [every event code] + [every syscall code × 2]
 * with an unstable sort, so the order of equal counts depends on the vector's
 * size. These are the sizes of Debian's sysdig 0.29 (libs e5c53d64); files with
 * newer codes use this schema's sizes.
 */
const SYSDIG_EVENT_MAX = 336;
const SYSDIG_SC_MAX = 329;

const LEADING_CONTAINER_EVENTS = new Set<number>([PPME.CONTAINER_E, PPME.CONTAINER_JSON_E, PPME.CONTAINER_JSON_2_E]);

interface Row {
  count: number;
  id: number;
  generic: boolean;
}

export class EventSummary {
  readonly #events = new Float64Array(65536);
  readonly #generic = new Float64Array(65536 * 2);
  #maxEvent = -1;
  #maxSc = -1;
  #started = false;

  add(evt: Event): void {
    this.#count(evt.type, evt.type <= PPME.GENERIC_X ? evt.param(0) : null);
  }

  addBatch(batch: EventBatch): void {
    for (let i = 0; i < batch.length; i++) {
      const t = batch.type(i);
      this.#count(t, t <= PPME.GENERIC_X ? batch.at(i).param(0) : null);
    }
  }

  #count(type: number, sc: unknown): void {
    // libsinsp consumes the container events that lead a capture while opening
    // it, so sysdig never sees (or counts) them.
    if (!this.#started) {
      if (LEADING_CONTAINER_EVENTS.has(type)) return;
      this.#started = true;
    }
    if (type <= PPME.GENERIC_X && typeof sc === 'number') {
      this.#generic[sc * 2 + type]++;
      if (sc > this.#maxSc) this.#maxSc = sc;
      return;
    }
    this.#events[type]++;
    if (type > this.#maxEvent) this.#maxEvent = type;
  }

  /** Rows with a non-zero count, in sysdig's order. */
  rows(): { dir: '>' | '<'; name: string; count: number }[] {
    const eventMax = this.#maxEvent < SYSDIG_EVENT_MAX && this.#maxSc < SYSDIG_SC_MAX ? SYSDIG_EVENT_MAX : Math.max(PPM_EVENT_MAX, this.#maxEvent + 1);
    const scMax = eventMax === SYSDIG_EVENT_MAX ? SYSDIG_SC_MAX : Math.max(PPM_SC_MAX, this.#maxSc + 1);
    const table: Row[] = [];
    for (let j = 0; j < eventMax; j++) table.push({ count: this.#events[j], id: j, generic: false });
    for (let j = 0; j < scMax * 2; j++) table.push({ count: this.#generic[j], id: j, generic: true });
    stdSort(table, (a, b) => a.count > b.count);
    const out: { dir: '>' | '<'; name: string; count: number }[] = [];
    for (const r of table) {
      if (r.count === 0) break;
      out.push({ dir: (r.id & 1) === 0 ? '>' : '<', name: r.generic ? genericName(r.id >> 1) : eventName(r.id), count: r.count });
    }
    return out;
  }

  /** The table text, at most `limit` rows (sysdig prints 100); names are cut to 16 columns as sysdig does. */
  format(limit = 100): string {
    const lines = ['----------------------', `${'Event'.padEnd(16)}#Calls`, '----------------------'];
    for (const r of this.rows().slice(0, limit)) lines.push(`${r.dir} ${r.name.padEnd(16).slice(0, 16)}${r.count}`);
    return `${lines.join('\n')}\n`;
  }
}

function eventName(code: number): string {
  return code < PPM_EVENT_MAX ? EVENT_INFO[code].name : 'unknown';
}

/** sysdig names syscall code 0 (and codes it has no name for) `<unknown>`. */
function genericName(sc: number): string {
  const n = sc > 0 ? PPM_SC_NAMES[sc] : undefined;
  return n ? n : '<unknown>';
}
