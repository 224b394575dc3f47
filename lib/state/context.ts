/**
 * `EventContext`: what the Inspector knows about one event once it has
 * processed it (libsinsp keeps the same on sinsp_evt): its number, thread,
 * fd and error code. It is the `Event.state` slot.
 */
import type { Event } from '../events/event.js';
import type { EventStateSlot, FdView, ThreadView, UserView } from '../events/state.js';
import { EF } from '../events/schema.generated.js';
import { eventFlags } from './compat.js';
import type { FdInfo } from './fds.js';
import type { Inspector } from './inspector.js';
import type { ThreadInfo } from './threads.js';

export class EventContext implements EventStateSlot {
  /** The thread the parsers attached (libsinsp's m_tinfo); see `thread` for the lookup fields use. */
  tinfo: ThreadInfo | undefined = undefined;
  /** The fd the parsers attached (libsinsp's m_fdinfo). */
  fdinfo: FdInfo | undefined = undefined;
  errorcode = 0;
  /** True for events kept for state only (dump flag), which sysdig does not print. */
  filteredOut = false;
  /**
   * True for the container events a capture file starts with: libsinsp reads
   * them while opening the file, so they update state and take an event
   * number but never reach the output.
   */
  preamble = false;

  constructor(
    readonly inspector: Inspector,
    readonly evt: Event,
    readonly num: number,
  ) {}

  /** libsinsp's sinsp_evt::get_thread_info(): the parsed thread, else a lookup (no placeholder). */
  get thread(): ThreadInfo | undefined {
    return this.tinfo ?? this.inspector.threads.getRef(this.evt.tid, false);
  }

  /**
   * The fd fields describe (libsinsp's extract_fd): for fd-related events, the
   * parsed fd, else the thread's last event fd.
   */
  get fd(): (FdView & FdInfo) | undefined {
    if (!(eventFlags(this.evt.type) & (EF.CREATES_FD | EF.USES_FD | EF.DESTROYS_FD))) return undefined;
    const t = this.thread;
    if (!t) return undefined;
    if (this.fdinfo) return this.fdinfo;
    return t.lastEventFd !== -1 ? t.getFd(t.lastEventFd) : undefined;
  }

  get user(): UserView | undefined {
    const t = this.thread;
    return t ? this.inspector.users.user(t.uid) : undefined;
  }

  field(name: string): unknown {
    const r = this.inspector.fieldResolver;
    if (!r) throw new TypeError('no field registry loaded: import scap-ts/fields (or scap-ts) first');
    return r(name, this.evt, this);
  }
}

export type FieldResolver = (name: string, evt: Event, ctx: EventContext) => unknown;

export type { ThreadView };
