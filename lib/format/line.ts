/**
 * sysdig's default output line:
 * `*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.info`,
 * e.g. `141 16:17:57.881785348 0 cat (20072) < open fd=3(<f>/etc/ld.so.cache) name=... `.
 * Internal events (procinfo, container announcements) are left out, as sysdig does.
 */
import type { Event } from '../events/event.js';
import { EC } from '../events/schema.generated.js';
import { eventInfo } from '../events/table.js';
import type { EventContext } from '../state/context.js';
import { EventFormatter, type FormatterOptions } from './printf.js';

export const DEFAULT_FORMAT = '*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.info';
/** sysdig -pc / -pcontainer. */
export const CONTAINER_FORMAT = '*%evt.num %evt.outputtime %evt.cpu %container.name (%container.id) %proc.name (%thread.tid:%thread.vtid) %evt.dir %evt.type %evt.info';
/** The default for plugin events. */
export const PLUGIN_FORMAT = '*%evt.num %evt.datetime.s [%evt.pluginname] %evt.plugininfo';

/** sysdig leaves events of the internal category out of its output (unless debugging). */
export function isPrintable(evt: Event, ctx: EventContext | undefined = evt.state as EventContext | undefined): boolean {
  if (ctx && (ctx.filteredOut || ctx.preamble)) return false;
  const info = eventInfo(evt.type);
  return !info || (info.category & EC.INTERNAL) === 0;
}

/** A formatter for sysdig's default line. */
export function defaultLineFormatter(options: FormatterOptions = {}): EventFormatter {
  return new EventFormatter(DEFAULT_FORMAT, options);
}

/** The text sysdig prints for this event (without the newline), or null when it prints nothing. */
export function formatLine(evt: Event, formatter: EventFormatter = sharedDefault()): string | null {
  if (!isPrintable(evt)) return null;
  return formatter.format(evt);
}

let shared: EventFormatter | undefined;
function sharedDefault(): EventFormatter {
  return (shared ??= defaultLineFormatter());
}
